#if canImport(Glibc)
import Glibc
#endif
import CZlibSystem

/// Reads a zip archive (a bundle of exports, or an .xlsx) from its central directory, member by
/// member, without unpacking anything to disk.
///
/// Hand-written on zlib rather than through ZIPFoundation (which the workbook writer uses):
/// ZIPFoundation's reader silently leaves encrypted entries out of its iteration, and a clerk
/// must be told by name that a member was not read. Refused by name, failing the whole file:
/// encrypted members, compression methods other than stored and deflate, zip64, links and
/// device entries, absolute, `..` and backslash paths. Bounded: member count, and the bytes a
/// member inflates to — never more than it declares (lying sizes) nor than `maxInflatedBytes`
/// in all. Each member's CRC-32 and size are checked when its data ends.
public final class ZipReader {
    public struct Member: Sendable, Hashable {
        public var name: String
        public var method: UInt16
        public var compressedSize: Int
        public var size: Int
        public var crc: UInt32
        var localHeaderOffset: Int
    }

    private let storage: RandomAccessBytes
    public let file: String
    public let maxInflatedBytes: Int
    public private(set) var members: [Member] = []
    /// Notes about skipped members, for the run summary.
    public private(set) var notes: [String] = []
    private var inflatedSoFar = 0

    public static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && (bytes[2], bytes[3]) == (3, 4) || bytes.starts(with: [0x50, 0x4B, 5, 6])
    }

    public convenience init(path: String, file: String, maxMembers: Int = TarReader.defaultMaxMembers,
                maxInflatedBytes: Int = GzipByteSource.defaultMaxOutputBytes) throws {
        try self.init(storage: try FileRandomAccess(path: path, file: file), file: file, maxMembers: maxMembers,
                      maxInflatedBytes: maxInflatedBytes)
    }

    /// An archive already in memory (tests and the fuzz harness).
    public convenience init(bytes: [UInt8], file: String, maxMembers: Int = TarReader.defaultMaxMembers,
                            maxInflatedBytes: Int = GzipByteSource.defaultMaxOutputBytes) throws {
        try self.init(storage: MemoryRandomAccess(bytes: bytes), file: file, maxMembers: maxMembers, maxInflatedBytes: maxInflatedBytes)
    }

    init(storage: RandomAccessBytes, file: String, maxMembers: Int, maxInflatedBytes: Int) throws {
        self.storage = storage
        self.file = file
        self.maxInflatedBytes = maxInflatedBytes
        try readCentralDirectory(maxMembers: maxMembers)
    }

    func corrupt(_ offset: Int, _ reason: String) -> IngestFailure {
        IngestFailure.corruptArchive(file: file, byteOffset: offset, reason: reason)
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= storage.size, let bytes = try storage.read(at: offset, count: count) else {
            throw corrupt(offset, "archive ends early")
        }
        return bytes
    }

    static func u16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> Int { u16(b, i) | u16(b, i + 2) << 16 }

    private func readCentralDirectory(maxMembers: Int) throws {
        let size = storage.size
        // The end record is the last 22 bytes plus a comment of up to 65,535 bytes.
        let tailLength = min(size, 22 + 65_535)
        guard tailLength >= 22 else { throw corrupt(0, "too short to be a zip archive") }
        let tail = try read(at: size - tailLength, count: tailLength)
        var end = -1
        var i = tailLength - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 5, tail[i + 3] == 6 { end = i; break }
            i -= 1
        }
        guard end >= 0 else { throw corrupt(size, "no end of central directory record (not a zip archive, or truncated)") }
        let count = ZipReader.u16(tail, end + 10), directorySize = ZipReader.u32(tail, end + 12)
        let directoryOffset = ZipReader.u32(tail, end + 16)
        if count == 0xFFFF || directoryOffset == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF {
            throw IngestFailure.unsupportedArchive(file: file, member: nil, reason: "zip64 archives are not supported")
        }
        if count > maxMembers { throw IngestFailure.tooManyMembers(file: file, limit: maxMembers) }
        guard directoryOffset + directorySize <= size - tailLength + end, directorySize <= 64 << 20 else {
            throw corrupt(directoryOffset, "central directory lies outside the file")
        }
        let directory = try read(at: directoryOffset, count: directorySize)
        var p = 0
        for _ in 0..<count {
            guard p + 46 <= directory.count, ZipReader.u32(directory, p) == 0x0201_4B50 else {
                throw corrupt(directoryOffset + p, "bad central directory entry")
            }
            let flags = ZipReader.u16(directory, p + 8), method = UInt16(ZipReader.u16(directory, p + 10))
            let crc = UInt32(ZipReader.u32(directory, p + 16))
            let compressed = ZipReader.u32(directory, p + 20), uncompressed = ZipReader.u32(directory, p + 24)
            let nameLength = ZipReader.u16(directory, p + 28), extraLength = ZipReader.u16(directory, p + 30)
            let commentLength = ZipReader.u16(directory, p + 32)
            let madeBy = ZipReader.u16(directory, p + 4) >> 8
            let external = ZipReader.u32(directory, p + 38), local = ZipReader.u32(directory, p + 42)
            guard p + 46 + nameLength <= directory.count else { throw corrupt(directoryOffset + p, "bad central directory entry") }
            let rawName = directory[(p + 46)..<(p + 46 + nameLength)]
            let name = flags & (1 << 11) != 0 ? String(decoding: rawName, as: UTF8.self) : TarReader.memberName(rawName)
            p += 46 + nameLength + extraLength + commentLength

            if let reason = TarReader.unsafeReason(name) {
                throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: reason)
            }
            if madeBy == 3 {  // Unix: the file type sits in the high half of the external attributes.
                switch (external >> 16) & 0o170000 {
                case 0o120000: throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: "symbolic link")
                case 0o020000, 0o060000: throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: "device file")
                case 0o010000: throw IngestFailure.unsafeArchiveMember(file: file, member: name, reason: "FIFO")
                default: break
                }
            }
            if name.hasSuffix("/") { continue }
            if TarReader.isMetadata(name) {
                notes.append("\(file):\(name): skipped (operating-system metadata, not an export)")
                continue
            }
            if flags & 1 != 0 {
                throw IngestFailure.unsupportedArchive(file: file, member: name, reason: "encrypted (password-protected) member")
            }
            guard method == 0 || method == 8 else {
                throw IngestFailure.unsupportedArchive(file: file, member: name, reason: "compression method \(method) (\(ZipReader.methodName(method))); only stored and deflate are supported")
            }
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                throw IngestFailure.unsupportedArchive(file: file, member: name, reason: "zip64 member")
            }
            if members.contains(where: { $0.name == name }) {
                notes.append("\(file):\(name): the archive holds more than one member of this name; each is read in archive order")
            }
            members.append(Member(name: name, method: method, compressedSize: compressed, size: uncompressed, crc: crc,
                                  localHeaderOffset: local))
        }
    }

    static func methodName(_ method: UInt16) -> String {
        switch method {
        case 1...7: "legacy shrink/reduce/implode"
        case 9: "deflate64"
        case 12: "bzip2"
        case 14: "LZMA"
        case 93: "zstd"
        case 95: "xz"
        case 98: "PPMd"
        case 99: "AES encryption"
        default: "unknown"
        }
    }

    /// The member's bytes as a source that checks size and CRC when it ends.
    public func source(for member: Member) throws -> ByteSource {
        let header = try read(at: member.localHeaderOffset, count: 30)
        guard ZipReader.u32(header, 0) == 0x0403_4B50 else { throw corrupt(member.localHeaderOffset, "bad local header for \(member.name)") }
        if ZipReader.u16(header, 6) & 1 != 0 {
            throw IngestFailure.unsupportedArchive(file: file, member: member.name, reason: "encrypted (password-protected) member")
        }
        let start = member.localHeaderOffset + 30 + ZipReader.u16(header, 26) + ZipReader.u16(header, 28)
        return try ZipMemberSource(reader: self, member: member, start: start)
    }

    /// The whole member in memory, for small parts such as an .xlsx's workbook and styles.
    public func contents(of member: Member, limit: Int) throws -> [UInt8] {
        guard member.size <= limit else {
            throw IngestFailure.inflationLimit(file: file + ":" + member.name, limitBytes: limit)
        }
        let source = try source(for: member)
        var out: [UInt8] = []
        while let chunk = try source.read() { out += chunk }
        return out
    }

    fileprivate func count(inflated bytes: Int) throws {
        inflatedSoFar += bytes
        if inflatedSoFar > maxInflatedBytes { throw IngestFailure.inflationLimit(file: file, limitBytes: maxInflatedBytes) }
    }
}

/// One member's data: stored bytes or raw deflate, never more than the declared size.
final class ZipMemberSource: ByteSource {
    private let reader: ZipReader
    private let member: ZipReader.Member
    private var offset: Int
    private var compressedLeft: Int
    private var produced = 0
    private var crc: uLong = crc32(0, nil, 0)
    private let inflater: Inflater?
    private var finished = false
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var streamEnded = false
    private let chunkSize = 1 << 16

    init(reader: ZipReader, member: ZipReader.Member, start: Int) throws {
        self.reader = reader
        self.member = member
        offset = start
        compressedLeft = member.compressedSize
        inflater = member.method == 8 ? Inflater(windowBits: -15) : nil
        if member.method == 8 && inflater == nil { throw reader.corrupt(start, "zlib init failed for \(member.name)") }
    }

    private func lying(_ what: String) -> IngestFailure {
        IngestFailure.corruptArchive(file: reader.file, byteOffset: offset,
                                     reason: "\(member.name): \(what) (declares \(member.size) bytes)")
    }

    func read() throws -> [UInt8]? {
        if finished { return nil }
        while true {
            var out: [UInt8]
            if member.method == 0 {
                let take = min(chunkSize, compressedLeft)
                out = take > 0 ? try reader.read(at: offset, count: take) : []
                offset += take
                compressedLeft -= take
                if compressedLeft == 0 { streamEnded = true }
            } else {
                if pendingOffset >= pending.count, compressedLeft > 0 {
                    let take = min(chunkSize, compressedLeft)
                    pending = try reader.read(at: offset, count: take)
                    pendingOffset = 0
                    offset += take
                    compressedLeft -= take
                }
                let step = inflater!.step(pending, from: pendingOffset, capacity: chunkSize)
                pendingOffset += step.used
                out = step.output
                switch step.status {
                case Z_STREAM_END: streamEnded = true
                case Z_OK: break
                case Z_BUF_ERROR where !out.isEmpty: break
                case Z_BUF_ERROR:
                    throw reader.corrupt(offset, "\(member.name): compressed data ends early")
                default:
                    throw reader.corrupt(offset, "\(member.name): \(step.message)")
                }
            }
            produced += out.count
            if produced > member.size { throw lying("inflates beyond its declared size") }
            try reader.count(inflated: out.count)
            if !out.isEmpty {
                out.withUnsafeBufferPointer { crc = crc32(crc, $0.baseAddress, uInt($0.count)) }
            }
            if streamEnded {
                try check()
                return out.isEmpty ? nil : out
            }
            if !out.isEmpty { return out }
        }
    }

    private func check() throws {
        guard !finished else { return }
        finished = true
        if produced != member.size { throw lying("holds \(produced) bytes") }
        if UInt32(crc) != member.crc { throw reader.corrupt(offset, "\(member.name): CRC-32 mismatch") }
    }
}

/// Bytes read by position: a file (pread) or memory.
protocol RandomAccessBytes: AnyObject {
    var size: Int { get }
    /// Exactly `count` bytes at `offset`, or nil when the storage ends first.
    func read(at offset: Int, count: Int) throws -> [UInt8]?
}

final class FileRandomAccess: RandomAccessBytes {
    private let fd: Int32
    let size: Int

    init(path: String, file: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestFailure.unreadable(file: file, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw IngestFailure.unreadable(file: file, reason: String(cString: strerror(errno)))
        }
        size = Int(info.st_size)
    }

    deinit { close(fd) }

    func read(at offset: Int, count: Int) throws -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            done += n
        }
        return out
    }
}

final class MemoryRandomAccess: RandomAccessBytes {
    let bytes: [UInt8]
    var size: Int { bytes.count }
    init(bytes: [UInt8]) { self.bytes = bytes }
    func read(at offset: Int, count: Int) throws -> [UInt8]? { Array(bytes[offset..<offset + count]) }
}
