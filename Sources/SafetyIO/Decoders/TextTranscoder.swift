#if canImport(Glibc)
import Glibc
#endif

/// Converts a byte stream from a legacy or UTF-16 encoding to UTF-8 with glibc iconv,
/// chunk by chunk, carrying an incomplete sequence over to the next chunk. Never substitutes
/// text: an invalid sequence is a failure naming its byte offset or, with `markInvalid`, is
/// replaced by the byte 0xFF — which is never valid UTF-8, so the CSV decoder rejects exactly
/// the record holding it (`invalid_text`) and every other record still arrives.
public final class TranscodingSource: ByteSource {
    private let upstream: ByteSource
    private let file: String
    private let member: String?
    private let encoding: String
    private let converter: iconv_t
    private var carry: [UInt8] = []
    private var consumed = 0
    private var done = false
    private let markInvalid: Bool
    /// Bytes skipped at an invalid sequence: one code unit.
    private let unit: Int
    /// The byte that stands for an invalid sequence in the output.
    public static let invalidMarker: UInt8 = 0xFF

    public init(_ upstream: ByteSource, from encoding: String, file: String, member: String?, markInvalid: Bool = false) throws {
        self.markInvalid = markInvalid
        unit = encoding.uppercased().hasPrefix("UTF-16") || encoding.uppercased().hasPrefix("UCS-2") ? 2 : 1
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
                    if markInvalid { carry = []; return [TranscodingSource.invalidMarker] }
                    throw IngestFailure.invalidEncoding(file: file, member: member, byteOffset: consumed, encoding: encoding)
                }
                return nil
            }
            var input = carry + chunk
            carry = []
            var result: [UInt8] = []
            var start = 0
            while start < input.count {
                var output = [UInt8](repeating: 0, count: (input.count - start) * 2 + 16)
                var inLeft = input.count - start, outLeft = output.count
                var failure: Int32 = 0
                input.withUnsafeMutableBytes { inRaw in
                    output.withUnsafeMutableBytes { outRaw in
                        var inPtr: UnsafeMutablePointer<CChar>? = (inRaw.baseAddress! + start).assumingMemoryBound(to: CChar.self)
                        var outPtr: UnsafeMutablePointer<CChar>? = outRaw.baseAddress!.assumingMemoryBound(to: CChar.self)
                        if iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft) == -1 { failure = errno }
                    }
                }
                let used = input.count - start - inLeft
                output.removeLast(outLeft)
                result += output
                start += used
                consumed += used
                if failure == EINVAL { carry = Array(input[start...]); break }
                if failure == EILSEQ && markInvalid {
                    result.append(TranscodingSource.invalidMarker)
                    let skip = min(unit, input.count - start)
                    start += skip
                    consumed += skip
                    continue
                }
                if failure != 0 {
                    throw IngestFailure.invalidEncoding(file: file, member: member, byteOffset: consumed, encoding: encoding)
                }
            }
            if !result.isEmpty { return result }
        }
        return nil
    }
}
