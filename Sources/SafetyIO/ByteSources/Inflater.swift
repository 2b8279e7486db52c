import CZlibSystem

/// One zlib inflate stream, stepped over caller-owned input: gzip members (window bits 31) and
/// raw deflate zip members (-15) both go through it.
final class Inflater {
    struct Step {
        var status: Int32
        /// Input bytes consumed from the offset given.
        var used: Int
        var output: [UInt8]
        /// zlib's message when the status is an error.
        var message: String
    }

    private var stream = z_stream()

    /// Nil when zlib cannot set up the stream.
    init?(windowBits: Int32) {
        guard czlib_inflate_init2(&stream, windowBits) == Z_OK else { return nil }
    }

    deinit { inflateEnd(&stream) }

    /// Inflates from `input[offset...]` into at most `capacity` bytes.
    func step(_ input: [UInt8], from offset: Int, capacity: Int) -> Step {
        var output = [UInt8](repeating: 0, count: capacity)
        let available = input.count - offset
        var status: Int32 = Z_OK
        var used = 0, made = 0
        input.withUnsafeBufferPointer { inBuffer in  // zlib only reads next_in; no copy of the input
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = available > 0 ? UnsafeMutablePointer(mutating: inBuffer.baseAddress! + offset) : nil
                stream.avail_in = uInt(available)
                stream.next_out = outBuffer.baseAddress!
                stream.avail_out = uInt(capacity)
                status = inflate(&stream, Z_NO_FLUSH)
                used = available - Int(stream.avail_in)
                made = capacity - Int(stream.avail_out)
                stream.next_in = nil
                stream.next_out = nil
            }
        }
        output.removeLast(capacity - made)
        let message = status == Z_OK || status == Z_STREAM_END ? "" : stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        return Step(status: status, used: used, output: output, message: message)
    }

    /// Ready for the next gzip member.
    func reset() { inflateReset(&stream) }
}
