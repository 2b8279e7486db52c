#if canImport(Glibc)
import Glibc
#endif

/// A plain file written through a large buffer: the spill files of a step (re-export buckets),
/// never an output (outputs go through `AtomicFile`).
final class SpillWriter {
    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let capacity: Int
    private(set) var bytesWritten = 0

    init(path: String, capacity: Int = 1 << 16) throws {
        self.path = path
        self.capacity = capacity
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw IngestFailure.outputNotWritable(path: path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(capacity)
    }

    deinit { if fd >= 0 { close(fd) } }

    @inline(__always) func append(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count > capacity { try writeAll(bytes); return }
        buffer.append(contentsOf: bytes.bindMemory(to: UInt8.self))
    }

    @inline(__always) func append<T: FixedWidthInteger>(integer value: T) throws {
        try withUnsafeBytes(of: value.littleEndian) { try append($0) }
    }

    func flush() throws {
        try buffer.withUnsafeBytes { try writeAll($0) }
        bytesWritten += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + written, bytes.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestFailure.outputNotWritable(path: path, reason: String(cString: strerror(errno)))
            }
            written += n
        }
    }

    /// Flushes and closes; the file stays for reading.
    func finish() throws {
        try flush()
        close(fd)
        fd = -1
        buffer = []  // hundreds of finished writers must not keep their buffers
    }
}

/// Reads files one after another into one array, each read into its place (a bucket written in
/// parts is never held twice): spill buckets, small by construction.
func readWholeFiles(_ paths: [String]) throws -> [UInt8] {
    let fds = try paths.map { path in
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
        return fd
    }
    defer { for fd in fds { close(fd) } }
    let sizes = try zip(paths, fds).map { path, fd in
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
        return Int(info.st_size)
    }
    var bytes = [UInt8](repeating: 0, count: sizes.reduce(0, +))
    var done = 0
    try bytes.withUnsafeMutableBytes { raw in
        for (i, fd) in fds.enumerated() {
            let end = done + sizes[i]
            while done < end {
                let n = Glibc.read(fd, raw.baseAddress! + done, end - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IngestFailure.unreadable(file: paths[i], reason: String(cString: strerror(errno)))
                }
                if n == 0 { throw IngestFailure.unreadable(file: paths[i], reason: "shorter than when it was opened") }
                done += n
            }
        }
    }
    return bytes
}

/// Streams the records of a CSV file this project wrote (LF line ends, RFC 4180 quoting) as byte
/// ranges of one reused buffer: no array or string per record or field. A line break inside a
/// quoted field stays inside its record. The header line is record 0.
struct CSVRecordScanner {
    let path: String
    /// A record longer than this is not ours: the file is refused as corrupt.
    let maxRecordBytes: Int

    /// The bytes read: the whole file, or a shard that starts at a record boundary (`shards`).
    let range: Range<Int>
    /// The index of the range's first record (0 is the header).
    let firstIndex: Int

    init(path: String, maxRecordBytes: Int = 64 << 20, range: Range<Int> = 0..<Int.max, firstIndex: Int = 0) {
        self.path = path
        self.maxRecordBytes = maxRecordBytes
        self.range = range
        self.firstIndex = firstIndex
    }

    /// Byte ranges of about equal size that together cover the file, each starting at a record
    /// boundary (after a line end outside quotes): one range for a file under `minBytes`.
    static func shards(of path: String, count: Int, minBytes: Int = 8 << 20) throws -> [Range<Int>] {
        try shardStarts(of: path, count: count, minBytes: minBytes).map(\.range)
    }

    /// `shards`, each with the index of its first record in the file (0 is the header).
    /// A record over `maxRecordBytes` (or a quote never closed) fails the scan.
    static func shardStarts(of path: String, count: Int, minBytes: Int = 8 << 20,
                            maxRecordBytes: Int = 64 << 20) throws -> [(range: Range<Int>, firstIndex: Int)] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
        let size = Int(info.st_size)
        guard count > 1, size >= minBytes else { return [(0..<size, 0)] }
        // Quote parity from the start tells which line ends are record boundaries: the scanner
        // keeps it, and stops once every boundary is found.
        struct Found: Error {}
        var starts = [(offset: 0, index: 0)]
        do {
            try CSVRecordScanner(path: path, maxRecordBytes: maxRecordBytes).forEachRecord { _, index, offset in
                if offset >= size / count * starts.count {
                    starts.append((offset, index))
                    if starts.count == count { throw Found() }
                }
            }
        } catch is Found {}
        starts = starts.filter { $0.offset < size }
        return starts.indices.map { i in
            (starts[i].offset..<(i + 1 < starts.count ? starts[i + 1].offset : size), starts[i].index)
        }
    }

    /// The LF bytes in the file's first `end` bytes, quoted or not (a piece starting at `end`
    /// of a file with LF or CRLF line ends begins on line 1 + this).
    static func lineFeeds(in path: String, before end: Int) throws -> Int {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 20)
        defer { buffer.deallocate() }
        var count = 0, done = 0
        while done < end {
            let n = pread(fd, buffer.baseAddress!, min(buffer.count, end - done), off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            // A plain loop the compiler vectorizes (a byte compare and add, 32 bytes at a time).
            for byte in UnsafeBufferPointer(rebasing: buffer[0..<n]) { count &+= byte == 0x0A ? 1 : 0 }
            done += n
        }
        return count
    }

    /// Calls `body` with each record's bytes (without its line end) and its 0-based index.
    func forEach(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        try forEachRecord { record, index, _ in try body(record, index) }
    }

    /// Like `forEach`, with the byte offset in the file where each record starts.
    func forEachRecord(_ body: (UnsafeBufferPointer<UInt8>, _ index: Int, _ offset: Int) throws -> Void) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        var index = firstIndex
        var offset = range.lowerBound
        // Scan state carried across refills: where the current record starts, how far it was scanned, quotes.
        var start = 0, scan = 0
        var inQuotes = false
        var atEOF = false
        while true {
            if !atEOF {
                if filled == buffer.count {
                    if start > 0 {
                        // Move the unfinished record to the front.
                        buffer.withUnsafeMutableBytes { raw in
                            _ = memmove(raw.baseAddress!, raw.baseAddress! + start, filled - start)
                        }
                        filled -= start; scan -= start; start = 0
                    } else {
                        guard buffer.count < maxRecordBytes else {
                            throw IngestFailure.corruptNormalizedData(message: "\(path): record \(index) is over \(maxRecordBytes) bytes")
                        }
                        buffer.append(contentsOf: repeatElement(0, count: buffer.count))
                    }
                }
                let wanted = min(buffer.count - filled, range.upperBound - offset)
                let n = wanted <= 0 ? 0 : buffer.withUnsafeMutableBytes { raw in pread(fd, raw.baseAddress! + filled, wanted, off_t(offset)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno)))
                }
                if n == 0 { atEOF = true } else { filled += n; offset += n }
            }
            try buffer.withUnsafeBufferPointer { bytes in
                let base = bytes.baseAddress!
                var i = scan
                func endRecord(at newline: Int) throws {
                    var end = newline
                    if end > start && bytes[end - 1] == 0x0D { end -= 1 }
                    if end > start { try body(UnsafeBufferPointer(rebasing: bytes[start..<end]), index, offset - filled + start); index += 1 }
                    start = newline + 1
                }
                // memchr finds LFs and quotes far faster than a loop over the bytes. The next LF
                // and the next quote are remembered until passed, so no byte is searched twice.
                var nextLF = -1, nextQuote = -1
                func position(of byte: Int32, from: Int) -> Int {
                    guard let hit = memchr(base + from, byte, filled - from) else { return filled }
                    return UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                }
                while i < filled {
                    if nextQuote < i { nextQuote = position(of: 0x22, from: i) }
                    if inQuotes {
                        // Jump to the closing quote.
                        if nextQuote == filled { i = filled; break }
                        i = nextQuote + 1
                        inQuotes = false
                        continue
                    }
                    if nextLF < i { nextLF = position(of: 0x0A, from: i) }
                    if nextQuote < nextLF {
                        // An opening quote comes first.
                        i = nextQuote + 1
                        inQuotes = true
                        continue
                    }
                    if nextLF == filled { i = filled; break }
                    try endRecord(at: nextLF)
                    i = nextLF + 1
                }
                scan = filled
            }
            if atEOF {
                if inQuotes { throw IngestFailure.corruptNormalizedData(message: "\(path): record \(index) has an unclosed quote") }
                if filled > start {
                    try buffer.withUnsafeBufferPointer { bytes in
                        try body(UnsafeBufferPointer(rebasing: bytes[start..<filled]), index, offset - filled + start)
                    }
                }
                return
            }
            if start == filled { start = 0; scan = 0; filled = 0 }
        }
    }
}

/// The fields of one CSV record (as this project writes them) as ranges of its bytes.
struct CSVFieldSplitter {
    /// Start and end of each field's raw bytes (quotes included when quoted), field i's at 2i and
    /// 2i + 1; the first `count` pairs are this record's. Memory of its own that only grows, written
    /// through a pointer: a field costs two stores, not two array writes with their checks. (A copy
    /// of the splitter shares it: split with one splitter per thread.)
    private final class Bounds {
        var pointer: UnsafeMutablePointer<Int>
        var capacity: Int
        init(capacity: Int) { self.capacity = capacity; pointer = .allocate(capacity: 2 * capacity) }
        deinit { pointer.deallocate() }
    }
    private let bounds = Bounds(capacity: 32)
    private(set) var count = 0

    /// Where field `i`'s raw bytes start and end.
    @inline(__always) func start(_ field: Int) -> Int { bounds.pointer[2 * field] }
    @inline(__always) func end(_ field: Int) -> Int { bounds.pointer[2 * field + 1] }

    /// Splits `record`, stopping after the first `fields` fields when it has more.
    mutating func split(_ record: UnsafeBufferPointer<UInt8>, fields: Int = Int.max) {
        count = 0
        var i = 0
        var fieldStart = 0
        var inQuotes = false
        let length = record.count
        // Eight bytes at a time: the commas and quotes of a word found at once, then visited in order.
        if let base = record.baseAddress {
            while i + 8 <= length {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                var found = CSVFieldSplitter.bytes(0x2C, in: word) | CSVFieldSplitter.bytes(0x22, in: word)
                while found != 0 {
                    let at = i + found.trailingZeroBitCount >> 3
                    if base[at] == 0x22 {
                        inQuotes.toggle()
                    } else if !inQuotes {
                        note(fieldStart, at)
                        fieldStart = at + 1
                        if count == fields { return }
                    }
                    found &= found - 1
                }
                i += 8
            }
        }
        while i < length {
            let byte = record[i]
            if byte == 0x22 {
                inQuotes.toggle()
            } else if byte == 0x2C && !inQuotes {
                note(fieldStart, i)
                fieldStart = i + 1
                if count == fields { return }
            }
            i += 1
        }
        note(fieldStart, length)
    }

    /// The high bit of each byte of `word` that equals `byte` (exact: no false matches).
    @inline(__always) static func bytes(_ byte: UInt8, in word: UInt64) -> UInt64 {
        let x = word ^ (0x0101_0101_0101_0101 &* UInt64(byte))
        return ~(((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | x) & 0x8080_8080_8080_8080
    }

    @inline(__always) private mutating func note(_ start: Int, _ end: Int) {
        if count == bounds.capacity {
            let grown = UnsafeMutablePointer<Int>.allocate(capacity: 4 * bounds.capacity)
            grown.update(from: bounds.pointer, count: 2 * count)
            bounds.pointer.deallocate()
            bounds.pointer = grown
            bounds.capacity *= 2
        }
        bounds.pointer[2 * count] = start
        bounds.pointer[2 * count + 1] = end
        count += 1
    }

    /// A field's value: quotes removed and doubled quotes undone.
    static func value(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        guard raw.count >= 2, raw[0] == 0x22 else { return Array(raw) }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 1
        while i < raw.count - 1 {
            out.append(raw[i])
            i += raw[i] == 0x22 ? 2 : 1
        }
        return out
    }

    @inline(__always) func raw(_ field: Int, in record: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: record[start(field)..<end(field)])
    }

    func string(_ field: Int, in record: UnsafeBufferPointer<UInt8>) -> String {
        let raw = raw(field, in: record)
        if raw.first == 0x22 { return String(decoding: CSVFieldSplitter.value(raw), as: UTF8.self) }
        // The same string as `String(decoding:as:)` (invalid bytes repaired alike), in fewer instructions.
        return String(unsafeUninitializedCapacity: raw.count) { $0.initialize(fromContentsOf: raw) }
    }

    func strings(in record: UnsafeBufferPointer<UInt8>) -> [String] {
        (0..<count).map { string($0, in: record) }
    }
}
