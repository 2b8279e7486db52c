import Foundation
import Testing
@testable import SafetyIO

struct CSVReaderTests {
    static let spectrum = Fixture.repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/peer/csv-spectrum")

    /// The cases as MANIFEST.json lists them, with its corrected rows where upstream's JSON is wrong.
    static var manifestCases: [[String: Any]] {
        guard let data = try? Data(contentsOf: spectrum.appendingPathComponent("MANIFEST.json")),
              let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return manifest["cases"] as? [[String: Any]] ?? []
    }

    static var spectrumCases: [String] { manifestCases.compactMap { $0["name"] as? String } }

    func rows(_ bytes: [UInt8], chunks: [Int]) throws -> [[String]] {
        var reader = CSVReader()
        var rows: [CSVRow] = []
        for piece in Fixture.split(bytes, chunks) { rows += try reader.feed(piece) }
        rows += try reader.finish()
        return rows.filter { !$0.isBlank }.map { $0.fields.map { String(decoding: $0, as: UTF8.self) } }
    }

    @Test func corpusIsPresent() {
        #expect(Self.spectrumCases.count == 13, "csv-spectrum not found at \(Self.spectrum.path)")
    }

    @Test(arguments: spectrumCases)
    func csvSpectrumCaseInEveryChunking(name: String) throws {
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
        for chunks in Fixture.chunkings(csv.count) {
            let parsed = try rows(csv, chunks: chunks)
            let header = try #require(parsed.first)
            let objects = parsed.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
            #expect(Array(objects) == expected, "\(path) with chunks \(chunks.prefix(5))…")
        }
    }

    @Test func linesCountQuotedLineBreaksAndAllLineEnds() throws {
        var reader = CSVReader()
        let rows = try reader.feed(Array("a,b\r\n\"x\ny\",2\r3,4\n5,6".utf8)) + reader.finish()
        #expect(rows.map(\.line) == [1, 2, 4, 5])
        #expect(rows[1].fields[0] == Array("x\ny".utf8))
    }

    @Test func recordOverTheLimitFailsNamingItsLine() {
        var reader = CSVReader(maxRecordBytes: 64)
        #expect(throws: CSVReader.Problem.recordTooLarge(line: 2)) {
            _ = try reader.feed(Array("a,b\n\"never closed,".utf8) + [UInt8](repeating: 65, count: 100))
        }
    }

    @Test func unclosedQuoteAtEndFails() throws {
        var reader = CSVReader()
        _ = try reader.feed(Array("a\n\"open".utf8))
        #expect(throws: CSVReader.Problem.unclosedQuote(line: 2)) { _ = try reader.finish() }
    }

    @Test func semicolonAndTabDelimiters() throws {
        var semicolon = CSVReader(delimiter: UInt8(ascii: ";"))
        #expect(try semicolon.feed(Array("a;\"b;c\"\n".utf8)).first?.fields.count == 2)
        var tab = CSVReader(delimiter: 9)
        #expect(try tab.feed(Array("a\tb,c\n".utf8)).first?.fields == [Array("a".utf8), Array("b,c".utf8)])
    }

    @Test func formulaCellsAreNeutralizedOnlyWhenAsked() {
        #expect(CSVFormat.line(["=1+1", "@x", "-3", "+", "ok"], neutralizeFormulas: true) == "'=1+1,'@x,-3,'+,ok\n")
        #expect(CSVFormat.line(["=1+1", "a,b", "q\""]) == "=1+1,\"a,b\",\"q\"\"\"\n")
    }
}

/// The byte-level UTF-8 check agrees with the standard library's on every kind of sequence.
struct UTF8TextTests {
    @Test func agreesWithTheStandardLibrary() {
        var state: UInt64 = 20201031
        func next() -> UInt8 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 33)
        }
        // Pieces that exercise each branch: ASCII runs, Chinese, 4-byte, overlongs, surrogates, > U+10FFFF, truncations.
        let pieces: [[UInt8]] = [Array("abcdefghij".utf8), Array("明光街道".utf8), Array("😀".utf8), [0xC0, 0x80], [0xE0, 0x80, 0x80],
                                 [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x80, 0x80, 0x80], [0xE3, 0x80], [0x80], [0xFF], [0xC2, 0xA0]]
        var checked = 0, invalid = 0
        for _ in 0..<20000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(next() % 6) {
                if next() % 4 == 0 { bytes.append(next()) } else { bytes += pieces[Int(next()) % pieces.count] }
            }
            let expected = String(validating: bytes, as: UTF8.self)
            let actual = bytes.withUnsafeBufferPointer { UTF8Text.string($0) }
            #expect(actual == expected, "\(bytes)")
            checked += 1
            if expected == nil { invalid += 1 }
        }
        #expect(invalid > 1000 && checked - invalid > 1000)
    }
}
