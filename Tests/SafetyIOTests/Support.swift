import CZlibSystem
import Foundation
import SafetyIO

/// Test helpers: fixtures built in memory, and every chunking of an input.
enum Fixture {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The sample pipeline file's text, its `limits:` line replaced by `limits` (YAML) when given.
    static func samplePipelineYAML(limits: String? = nil) throws -> String {
        let text = try String(contentsOfFile: repositoryRoot.path + "/Pipelines/mingguang/pipeline.yaml", encoding: .utf8)
        guard let limits else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("limits:") }
            .joined(separator: "\n") + "\nlimits: \(limits)\n"
    }

    static func gzip(_ bytes: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(czlib_deflate_init2(&stream, 6, 31) == Z_OK)
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count + 1024)
        input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            }
        }
        let produced = output.count - Int(stream.avail_out)
        deflateEnd(&stream)
        return Array(output[..<produced])
    }

    /// A tar archive with ustar headers; type "0" is a regular file.
    static func tar(_ members: [(name: String, type: Character, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        for member in members {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, at offset: Int) { for (i, b) in text.utf8.enumerated() { header[offset + i] = b } }
            put(member.name, at: 0)
            put("0000644", at: 100); put("0000000", at: 108); put("0000000", at: 116)
            let size = String(member.data.count, radix: 8)
            put(String(repeating: "0", count: 11 - size.count) + size, at: 124)
            put("00000000000", at: 136)
            header[156] = member.type.asciiValue!
            if member.type == "2" { put("/etc/passwd", at: 157) }
            put("ustar", at: 257); put("00", at: 263)
            for i in 148..<156 { header[i] = 32 }
            let sum = String(header.reduce(0) { $0 + Int($1) }, radix: 8)
            put(String(repeating: "0", count: 6 - sum.count) + sum, at: 148)
            header[154] = 0
            out += header + member.data
            out += [UInt8](repeating: 0, count: (512 - member.data.count % 512) % 512)
        }
        return out + [UInt8](repeating: 0, count: 1024)
    }

    static func drain(_ source: ByteSource) throws -> [UInt8] {
        var out: [UInt8] = []
        while let chunk = try source.read() { out += chunk }
        return out
    }

    /// Chunk sizes to feed an input with: whole, byte by byte, and seeded random sizes.
    static func chunkings(_ count: Int, seed: UInt64 = 42) -> [[Int]] {
        var state = seed
        var random: [Int] = []
        var total = 0
        while total < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let size = Int(state >> 58) + 1
            random.append(size)
            total += size
        }
        return [[max(count, 1)], Array(repeating: 1, count: max(count, 1)), random]
    }

    static func split(_ bytes: [UInt8], _ sizes: [Int]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var offset = 0
        for size in sizes where offset < bytes.count {
            out.append(Array(bytes[offset..<min(bytes.count, offset + size)]))
            offset += size
        }
        return out
    }

    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "safety-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
