#if canImport(Glibc)
import Glibc
#endif

/// Converts a byte stream from a legacy or UTF-16 encoding to UTF-8 with glibc iconv,
/// chunk by chunk, carrying an incomplete sequence over to the next chunk. Never substitutes:
/// an invalid sequence is a failure naming its byte offset.
public final class TranscodingSource: ByteSource {
    private let upstream: ByteSource
    private let file: String
    private let member: String?
    private let encoding: String
    private let converter: iconv_t
    private var carry: [UInt8] = []
    private var consumed = 0
    private var done = false

    public init(_ upstream: ByteSource, from encoding: String, file: String, member: String?) throws {
        self.upstream = upstream
        self.file = file
        self.member = member
        self.encoding = encoding
        let handle = iconv_open("UTF-8", encoding.uppercased())
        guard let handle, Int(bitPattern: handle) != -1 else {
            throw IngestFailure.configuration(file: file, problems: ["encoding \"\(encoding)\" is not supported by iconv"])
        }
        converter = handle
    }

    deinit { iconv_close(converter) }

    /// True when the mapping's encoding name means UTF-8 and needs no conversion.
    public static func isUTF8(_ encoding: String) -> Bool {
        ["utf-8", "utf8"].contains(encoding.lowercased())
    }

    public func read() throws -> [UInt8]? {
        while !done {
            guard let chunk = try upstream.read() else {
                done = true
                if !carry.isEmpty {
                    throw IngestFailure.invalidEncoding(file: file, member: member, byteOffset: consumed, encoding: encoding)
                }
                return nil
            }
            var input = carry + chunk
            carry = []
            var output = [UInt8](repeating: 0, count: input.count * 2 + 16)
            var inLeft = input.count, outLeft = output.count
            var failure: Int32 = 0
            input.withUnsafeMutableBytes { inRaw in
                output.withUnsafeMutableBytes { outRaw in
                    var inPtr: UnsafeMutablePointer<CChar>? = inRaw.baseAddress!.assumingMemoryBound(to: CChar.self)
                    var outPtr: UnsafeMutablePointer<CChar>? = outRaw.baseAddress!.assumingMemoryBound(to: CChar.self)
                    if iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft) == -1 { failure = errno }
                }
            }
            let used = input.count - inLeft
            if failure == EILSEQ {
                throw IngestFailure.invalidEncoding(file: file, member: member, byteOffset: consumed + used, encoding: encoding)
            }
            if failure == EINVAL { carry = Array(input[used...]) } else if failure != 0 {
                throw IngestFailure.invalidEncoding(file: file, member: member, byteOffset: consumed + used, encoding: encoding)
            }
            consumed += used
            output.removeLast(outLeft)
            if !output.isEmpty { return output }
        }
        return nil
    }
}
