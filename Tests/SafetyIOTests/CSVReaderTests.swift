import Foundation
import Testing
@testable import SafetyIO

struct CSVReaderTests {
    func rows(_ bytes: [UInt8], chunks: [Int]) throws -> [[String]] {
        var reader = CSVReader()
        var rows: [CSVRow] = []
        for piece in Fixture.split(bytes, chunks) { rows += try reader.feed(piece) }
        rows += try reader.finish()
        return rows.filter { !$0.isBlank }.map { $0.fields.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// RFC 4180 and what exporters do around it, each case in every chunking (whole, byte by
    /// byte, random pieces): the repository's own cases, so `make test` needs nothing outside it
    /// (the public csv-spectrum suite runs in `make conformance`).
    static let rfc4180EdgeCases: [(name: String, csv: String, rows: [[String]])] = [
        ("plain, LF", "a,b,c\n1,2,3\n", [["a", "b", "c"], ["1", "2", "3"]]),
        ("CRLF", "a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]]),
        ("bare CR (old Mac)", "a,b\r1,2\r", [["a", "b"], ["1", "2"]]),
        ("no final line break", "a,b\n1,2", [["a", "b"], ["1", "2"]]),
        ("empty fields", "a,,c\n,,\n", [["a", "", "c"], ["", "", ""]]),
        ("quoted empty field", "a,\"\",c\n", [["a", "", "c"]]),
        ("quoted comma", "\"a,b\",c\n", [["a,b", "c"]]),
        ("doubled quotes", "\"say \"\"hi\"\"\",x\n", [["say \"hi\"", "x"]]),
        ("only a doubled quote", "\"\"\"\"\n", [["\""]]),
        ("quoted LF", "\"line1\nline2\",x\n", [["line1\nline2", "x"]]),
        ("quoted CRLF", "\"line1\r\nline2\",x\r\n", [["line1\r\nline2", "x"]]),
        ("UTF-8 multibyte", "事故编号,乡镇\nA-1,女山湖镇\n", [["事故编号", "乡镇"], ["A-1", "女山湖镇"]]),
        ("4-byte UTF-8 in quotes", "\"😀,x\",y\n", [["😀,x", "y"]]),
        ("spaces kept", " a , b \n", [[" a ", " b "]]),
        ("blank lines skipped", "a\n\n\nb\n", [["a"], ["b"]]),
        ("trailing empty field", "a,b,\n", [["a", "b", ""]]),
    ]

    @Test func rfc4180EdgeCasesInEveryChunking() throws {
        for edge in Self.rfc4180EdgeCases {
            let bytes = Array(edge.csv.utf8)
            for chunks in Fixture.chunkings(bytes.count) {
                #expect(try rows(bytes, chunks: chunks) == edge.rows, "\(edge.name) with chunks \(chunks.prefix(5))…")
            }
        }
    }

    @Test func aByteOrderMarkIsNotPartOfTheFirstField() throws {
        // A UTF-8 BOM reaches the reader as bytes; the header cell loses it, so the column is found.
        let decoder = CSVRecordDecoder(layout: .init(), sourceKeys: ["编号"], file: "b.csv", member: nil, maxRecordBytes: 1 << 20)
        let items = try decoder.feed(Array("\u{FEFF}编号\nA-1\n".utf8)) + decoder.finish()
        let values = items.compactMap { $0.rawRecord?.values }
        #expect(values == [["A-1"]])
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
