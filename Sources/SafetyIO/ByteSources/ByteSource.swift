#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stream of bytes read in chunks: a file, a gzip stream, an archive member.
/// Decoders never know which one feeds them.
public protocol ByteSource: AnyObject {
    /// The next chunk, or nil at the end. Chunks are never empty.
    func read() throws -> [UInt8]?
}

/// Reads a file with POSIX `read` in fixed-size chunks.
public final class FileByteSource: ByteSource {
    private let fd: Int32
    public let path: String
    private let chunkSize: Int
    /// Bytes delivered so far.
    public private(set) var offset = 0
    /// The bytes read: the whole file, or a piece of it (read with `pread`).
    private let range: Range<Int>?

    public init(path: String, chunkSize: Int = 1 << 16, range: Range<Int>? = nil) throws {
        self.path = path
        self.chunkSize = chunkSize
        self.range = range
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            close(fd)
            throw IngestFailure.unreadable(file: path, reason: "not a regular file")
        }
    }

    deinit { close(fd) }

    public func read() throws -> [UInt8]? {
        // Read into the array's uninitialized memory: zeroing each chunk first cost a memset of
        // the whole file on the decoding thread.
        var failure: Int32 = 0
        let wanted = range.map { min(chunkSize, $0.count - offset) } ?? chunkSize
        if wanted <= 0 { return nil }
        let buffer = [UInt8](unsafeUninitializedCapacity: wanted) { memory, count in
            while true {
                let n = range.map { pread(fd, memory.baseAddress, wanted, off_t($0.lowerBound + offset)) }
                    ?? Glibc.read(fd, memory.baseAddress, wanted)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { failure = errno }
                count = max(0, n)
                return
            }
        }
        if failure != 0 { throw IngestFailure.unreadable(file: path, reason: String(cString: strerror(failure))) }
        if buffer.isEmpty { return nil }
        offset += buffer.count
        return buffer
    }
}

/// Serves bytes held in memory, in chunks of a chosen size; for tests and small inputs.
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private let chunkSize: Int
    private var offset = 0

    public init(_ bytes: [UInt8], chunkSize: Int = 1 << 16) {
        self.bytes = bytes
        self.chunkSize = max(1, chunkSize)
    }

    public func read() throws -> [UInt8]? {
        guard offset < bytes.count else { return nil }
        let end = min(bytes.count, offset + chunkSize)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }
}

/// Lets a caller look at the first bytes (magic numbers, BOMs) and then read them again.
public final class PeekableSource: ByteSource {
    private let upstream: ByteSource
    private var pending: [[UInt8]] = []
    /// True when the bytes are inflated from gzip (the export opener says so).
    public internal(set) var isGzip = false

    public init(_ upstream: ByteSource) { self.upstream = upstream }

    /// At least `count` bytes from the start, or fewer if the stream is shorter.
    public func peek(_ count: Int) throws -> [UInt8] {
        var have = pending.reduce(0) { $0 + $1.count }
        while have < count, let chunk = try upstream.read() {
            pending.append(chunk)
            have += chunk.count
        }
        return Array(pending.joined().prefix(count))
    }

    public func read() throws -> [UInt8]? {
        if !pending.isEmpty { return pending.removeFirst() }
        return try upstream.read()
    }
}
