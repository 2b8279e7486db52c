#if canImport(Glibc)
import Glibc
#endif

/// Converts one field's bytes from a GB-family encoding (GB18030, GBK, GB2312) to a String with
/// glibc iconv. Those encodings never use bytes below 0x40 inside a multi-byte character, so the
/// CSV reader can split their raw bytes on commas, quotes and line ends, and a bad byte rejects
/// only its own record.
public final class FieldTranscoder {
    private let converter: iconv_t
    public let encoding: String

    /// Encodings safe to split before decoding.
    public static func isGBFamily(_ encoding: String) -> Bool {
        ["gb18030", "gbk", "gb2312", "cp936"].contains(encoding.lowercased())
    }

    public init(encoding: String, file: String) throws {
        let handle = iconv_open("UTF-8", encoding.uppercased())
        guard let handle, Int(bitPattern: handle) != -1 else {
            throw IngestFailure.configuration(file: file, problems: ["encoding \"\(encoding)\" is not supported by iconv"])
        }
        converter = handle
        self.encoding = encoding
    }

    deinit { iconv_close(converter) }

    /// The text, or the offset of the first byte that is not valid in the encoding.
    public func decode(_ bytes: [UInt8]) -> Result<String, FieldTranscoderError> {
        if bytes.allSatisfy({ $0 < 0x80 }) { return .success(String(decoding: bytes, as: UTF8.self)) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 8)
        var inLeft = input.count, outLeft = output.count
        var failed = false
        iconv(converter, nil, nil, nil, nil)
        input.withUnsafeMutableBytes { inRaw in
            output.withUnsafeMutableBytes { outRaw in
                var inPtr: UnsafeMutablePointer<CChar>? = inRaw.baseAddress!.assumingMemoryBound(to: CChar.self)
                var outPtr: UnsafeMutablePointer<CChar>? = outRaw.baseAddress!.assumingMemoryBound(to: CChar.self)
                failed = iconv(converter, &inPtr, &inLeft, &outPtr, &outLeft) == -1
            }
        }
        if failed || inLeft > 0 { return .failure(FieldTranscoderError(offset: bytes.count - inLeft)) }
        output.removeLast(outLeft)
        return .success(String(decoding: output, as: UTF8.self))
    }
}

/// Where a field stopped being valid text.
public struct FieldTranscoderError: Error, Equatable {
    public let offset: Int
}
