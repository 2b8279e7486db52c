#if canImport(Glibc)
import Glibc
#endif

/// Reads a tar stream (ustar, pax and GNU long names) member by member without unpacking it.
///
/// Only regular files are ever delivered, and nothing is written to disk. Links, devices, FIFOs,
/// absolute paths and `..` or backslash components are refused by name: the whole archive
/// fails, since a bundle carrying them cannot be trusted. Apple metadata (`__MACOSX/`, `._*`,
/// `.DS_Store`) is skipped with a note.
public final class TarReader {
    public struct Member: Sendable, Hashable {
        public var name: String
        public var size: Int
    }

    private let upstream: ByteSource
    private let file: String
    private let maxMembers: Int
    private var buffer: [UInt8] = []
    private var bufferOffset = 0
    private var position = 0
    private var remainingInMember = 0
    private var paddingAfterMember = 0
    private var memberCount = 0
    /// Notes about skipped members, for the run summary.
    public private(set) var notes: [String] = []

    public static let defaultMaxMembers = 10_000

    public init(_ upstream: ByteSource, file: String, maxMembers: Int = TarReader.defaultMaxMembers) {
        self.upstream = upstream
        self.file = file
        self.maxMembers = maxMembers
    }

    /// True when a 512-byte header carries the ustar magic.
    public static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 262 && Array(bytes[257..<262]) == Array("ustar".utf8)
    }

    private func fill() throws -> Bool {
        if bufferOffset < buffer.count { return true }
        guard let chunk = try upstream.read() else { return false }
        buffer = chunk
        bufferOffset = 0
        return true
    }

    /// Exactly `count` bytes, or nil at a clean end of stream before any byte.
    private func readExactly(_ count: Int) throws -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            guard try fill() else {
                if out.isEmpty { return nil }
                throw IngestFailure.corruptArchive(file: file, byteOffset: position, reason: "archive ends inside a block")
            }
            let take = min(count - out.count, buffer.count - bufferOffset)
            out.append(contentsOf: buffer[bufferOffset..<bufferOffset + take])
            bufferOffset += take
            position += take
        }
        return out
    }

    private func skip(_ count: Int) throws {
        var left = count
        while left > 0 {
            guard try fill() else {
                throw IngestFailure.corruptArchive(file: file, byteOffset: position, reason: "archive ends inside a member")
            }
            let take = min(left, buffer.count - bufferOffset)
            bufferOffset += take
            position += take
            left -= take
        }
    }

    /// Reads the next part of the current member's data; nil when the member is done.
    public func readMemberData() throws -> [UInt8]? {
        guard remainingInMember > 0 else { return nil }
        guard try fill() else {
            throw IngestFailure.corruptArchive(file: file, byteOffset: position, reason: "archive ends inside a member")
        }
        let take = min(remainingInMember, buffer.count - bufferOffset)
        let out = Array(buffer[bufferOffset..<bufferOffset + take])
        bufferOffset += take
        position += take
        remainingInMember -= take
        return out
    }

    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// A member name: UTF-8, or GBK/GB18030 as archivers on Chinese Windows write them.
    static func memberName(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let raw = Array(bytes[bytes.startIndex..<end])
        if let utf8 = String(validating: raw, as: UTF8.self) { return utf8 }
        if let gb = try? FieldTranscoder(encoding: "gb18030", file: ""), case .success(let name) = gb.decode(raw) { return name }
        return String(decoding: raw, as: UTF8.self)
    }

    static func number(_ field: ArraySlice<UInt8>) -> Int? {
        if let first = field.first, first & 0x80 != 0 {
            var value = Int(first & 0x7f)
            for byte in field.dropFirst() {
                guard value < (Int.max >> 8) else { return nil }
                value = value << 8 | Int(byte)
            }
            return value
        }
        let text = string(field).trimmingCharacters(" ")
        if text.isEmpty { return 0 }
        return Int(text, radix: 8)
    }

    /// Refuses names that could reach outside a folder if ever unpacked.
    static func unsafeReason(_ name: String) -> String? {
        if name.hasPrefix("/") { return "absolute path" }
        if name.contains("\\") { return "backslash in path" }
        if name.split(separator: "/").contains("..") { return "parent-directory (..) component" }
        return nil
    }

    static func isMetadata(_ name: String) -> Bool {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        return name.hasPrefix("__MACOSX/") || name.contains("/__MACOSX/") || base.hasPrefix("._") || base == ".DS_Store"
    }

    /// Advances to the next regular-file member and returns it; its data is then read with
    /// `readMemberData()` (unread data is skipped). Nil at the end of the archive.
    public func nextMember() throws -> Member? {
        try skip(remainingInMember + paddingAfterMember)
        remainingInMember = 0
        paddingAfterMember = 0
        var longName: String?
        while true {
            let headerStart = position
            guard let header = try readExactly(512) else { return nil }
            if header.allSatisfy({ $0 == 0 }) { return nil }
            let stored = header[148..<156]
            var sum = 0
            for (i, byte) in header.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(byte) }
            guard let expected = TarReader.number(stored), expected == sum else {
                throw IngestFailure.corruptArchive(file: file, byteOffset: headerStart, reason: "header checksum mismatch")
            }
            guard let size = TarReader.number(header[124..<136]), size >= 0 else {
                throw IngestFailure.corruptArchive(file: file, byteOffset: headerStart, reason: "bad size field")
            }
            let type = header[156]
            var name = TarReader.memberName(header[0..<100])
            if TarReader.hasMagic(header) {
                let prefix = TarReader.memberName(header[345..<500])
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            if let long = longName { name = long; longName = nil }
            let padding = (512 - size % 512) % 512
            switch type {
            case UInt8(ascii: "x"), UInt8(ascii: "L"):
                guard size <= 1 << 20, let data = try readExactly(size) else {
                    throw IngestFailure.corruptArchive(file: file, byteOffset: headerStart, reason: "oversized extended header")
                }
                try skip(padding)
                longName = type == UInt8(ascii: "L") ? TarReader.memberName(data[...]) : TarReader.paxPath(data)
                continue
            case UInt8(ascii: "g"), UInt8(ascii: "5"):
                try skip(size + padding)
                continue
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"):
                break
            case UInt8(ascii: "1"):
                throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: "hard link")
            case UInt8(ascii: "2"):
                throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: "symbolic link")
            case UInt8(ascii: "3"), UInt8(ascii: "4"):
                throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: "device file")
            case UInt8(ascii: "6"):
                throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: "FIFO")
            default:
                throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: "unsupported member type \(type)")
            }
            if let reason = TarReader.unsafeReason(name) {
                throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: reason)
            }
            memberCount += 1
            if memberCount > maxMembers { throw IngestFailure.tooManyMembers(file: file, limit: maxMembers) }
            if TarReader.isMetadata(name) {
                notes.append("\(file):\(name): skipped (operating-system metadata, not an export)")
                try skip(size + padding)
                continue
            }
            remainingInMember = size
            paddingAfterMember = padding
            return Member(name: name, size: size)
        }
    }

    static func paxPath(_ data: [UInt8]) -> String? {
        // Records are "LEN key=value\n".
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: 0x20),
                  let length = Int(String(decoding: data[index..<space], as: UTF8.self)), length > 0,
                  index + length <= data.count else { return nil }
            let record = data[(space + 1)..<(index + length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")),
               String(decoding: record[record.startIndex..<equals], as: UTF8.self) == "path" {
                return String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            index += length
        }
        return nil
    }

    /// Skips the rest of the current member after a member has been selected or not.
    public func skipMember() throws {
        try skip(remainingInMember)
        remainingInMember = 0
    }
}

/// The data of the current tar member as a byte source.
public final class TarMemberSource: ByteSource {
    private let reader: TarReader
    public init(_ reader: TarReader) { self.reader = reader }
    public func read() throws -> [UInt8]? { try reader.readMemberData() }
}

extension String {
    func trimmingCharacters(_ character: Character) -> String {
        var s = Substring(self)
        while s.first == character || s.first == "\0" { s.removeFirst() }
        while s.last == character || s.last == "\0" { s.removeLast() }
        return String(s)
    }
}

/// Shell-style glob matching (`*`, `?`, `[...]`) through the C library's fnmatch.
public enum Glob {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }
}
