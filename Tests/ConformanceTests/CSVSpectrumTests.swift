import Foundation
import Testing
@testable import SafetyIO

/// The public csv-spectrum suite, run by `make conformance CSV_SPECTRUM=DIR` (default
/// `../shared/peer/csv-spectrum`). Not part of `make test`: a clone has no such folder, and the
/// repository's own edge cases (`CSVReaderTests.rfc4180EdgeCases`) cover the same ground there.
/// Run without the suite, this target fails: it is only ever run to check against it.
struct CSVSpectrumTests {
    static let spectrum = URL(fileURLWithPath: ProcessInfo.processInfo.environment["CSV_SPECTRUM"] ?? "CSV_SPECTRUM is not set")

    /// The cases as MANIFEST.json lists them, with its corrected rows where upstream's JSON is wrong.
    static var manifestCases: [[String: Any]] {
        guard let data = try? Data(contentsOf: spectrum.appendingPathComponent("MANIFEST.json")),
              let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return manifest["cases"] as? [[String: Any]] ?? []
    }

    static var spectrumCases: [String] { manifestCases.compactMap { $0["name"] as? String } }

    /// Whole, one byte at a time, and in pseudo-random pieces.
    static func chunkings(_ count: Int) -> [[Int]] {
        var state: UInt64 = 42, random: [Int] = [], total = 0
        while total < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            random.append(Int(state >> 58) + 1)
            total += random.last!
        }
        return [[max(count, 1)], Array(repeating: 1, count: max(count, 1)), random]
    }

    func rows(_ bytes: [UInt8], chunks: [Int]) throws -> [[String]] {
        var reader = CSVReader()
        var rows: [CSVRow] = []
        var offset = 0
        for size in chunks where offset < bytes.count {
            rows += try reader.feed(Array(bytes[offset..<min(bytes.count, offset + size)]))
            offset += size
        }
        rows += try reader.finish()
        return rows.filter { !$0.isBlank }.map { $0.fields.map { String(decoding: $0, as: UTF8.self) } }
    }

    @Test func suiteIsPresent() {
        #expect(Self.spectrumCases.count == 13, "csv-spectrum not found at \(Self.spectrum.path) (make conformance CSV_SPECTRUM=DIR)")
    }

    @Test(arguments: spectrumCases)
    func caseInEveryChunking(name: String) throws {
        let entry = try #require(Self.manifestCases.first { $0["name"] as? String == name })
        let path = try #require(entry["csv"] as? String)
        let csv = [UInt8](try Data(contentsOf: Self.spectrum.appendingPathComponent(path)))
        let expected: [[String: String]]
        if let corrected = entry["expected_rows_corrected"] as? [[String: String]] {
            expected = corrected
        } else {
            let jsonPath = try #require(entry["json"] as? String)
            expected = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.spectrum.appendingPathComponent(jsonPath))) as? [[String: String]])
        }
        for chunks in Self.chunkings(csv.count) {
            let parsed = try rows(csv, chunks: chunks)
            let header = try #require(parsed.first)
            let objects = parsed.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
            #expect(Array(objects) == expected, "\(path) with chunks \(chunks.prefix(5))…")
        }
    }
}
