import CZlibSystem

/// Inflates a gzip stream with zlib, member after member (concatenated files are read whole).
///
/// zlib checks each member's CRC-32 and length trailer. A truncated stream, a bad trailer or
/// bytes after the last member that are not another gzip member are failures, so a caller that
/// commits output only at the end never publishes part of a damaged file. The stored file name
/// in the header is ignored. Output is capped by `maxOutputBytes` against decompression bombs.
public final class GzipByteSource: ByteSource {
    private let upstream: ByteSource
    private let file: String
    private let maxOutputBytes: Int
    private let inflater: Inflater
    private var input: [UInt8] = []
    private var inputOffset = 0
    private var consumedBefore = 0
    private var inMember = false
    private var atEnd = false
    private var totalOut = 0
    private let chunkSize = 1 << 18

    /// 16 GiB by default: far beyond any department export, far below a bomb's ambition.
    public static let defaultMaxOutputBytes = 16 << 30

    public init(_ upstream: ByteSource, file: String, maxOutputBytes: Int = GzipByteSource.defaultMaxOutputBytes) throws {
        self.upstream = upstream
        self.file = file
        self.maxOutputBytes = maxOutputBytes
        guard let inflater = Inflater(windowBits: 15 + 16) else {
            throw IngestFailure.corruptGzip(file: file, byteOffset: 0, reason: "zlib init failed")
        }
        self.inflater = inflater
    }

    /// True when the bytes begin with the gzip magic number.
    public static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
    }

    private func refill() throws -> Bool {
        guard let chunk = try upstream.read() else { return false }
        consumedBefore += input.count
        input = chunk
        inputOffset = 0
        return true
    }

    public func read() throws -> [UInt8]? {
        if atEnd { return nil }
        while true {
            if inputOffset == input.count {
                if try !refill() {
                    if inMember { throw IngestFailure.truncatedGzip(file: file) }
                    if totalOut == 0 && consumedBefore + input.count == 0 { throw IngestFailure.notGzip(file: file) }
                    atEnd = true
                    return nil
                }
            }
            if !inMember {
                // A new member must start with the magic number; anything else is trailing garbage.
                if input[inputOffset] != 0x1f || (inputOffset + 1 < input.count && input[inputOffset + 1] != 0x8b) {
                    if consumedBefore + inputOffset == 0 { throw IngestFailure.notGzip(file: file) }
                    throw IngestFailure.trailingGarbage(file: file, byteOffset: consumedBefore + inputOffset)
                }
                inMember = true
            }
            let step = inflater.step(input, from: inputOffset, capacity: chunkSize)
            inputOffset += step.used
            switch step.status {
            case Z_STREAM_END:
                inMember = false
                inflater.reset()
            case Z_OK, Z_BUF_ERROR:
                break
            default:
                throw IngestFailure.corruptGzip(file: file, byteOffset: consumedBefore + inputOffset, reason: step.message)
            }
            let produced = step.output.count
            totalOut += produced
            if totalOut > maxOutputBytes { throw IngestFailure.inflationLimit(file: file, limitBytes: maxOutputBytes) }
            if produced > 0 { return step.output }
        }
    }
}
