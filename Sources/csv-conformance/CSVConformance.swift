import Foundation
import SafetyIO

/// `make conformance CSV_SPECTRUM=DIR`: the CSV reader against the public csv-spectrum suite, a
/// copy of which lives outside the repository (CI: ../shared/peer/csv-spectrum). Every case of
/// MANIFEST.json is read whole, one byte at a time and in pseudo-random pieces, and must give the
/// expected rows (the manifest's corrected rows where upstream's JSON is wrong). Not a test
/// target, so `swift test` and `make test` never look outside the repository. Exit 0 when every
/// case agrees, 1 when one does not, 66 when there is no suite at DIR.
@main
struct CSVConformance {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let folder = arguments.first else {
            FileHandle.standardError.write(Data("usage: csv-conformance DIR (a copy of csv-spectrum)\n".utf8)); exit(64)
        }
        let root = URL(fileURLWithPath: folder)
        guard let data = try? Data(contentsOf: root.appendingPathComponent("MANIFEST.json")),
              let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = manifest["cases"] as? [[String: Any]], !cases.isEmpty else {
            FileHandle.standardError.write(Data("csv-conformance: no csv-spectrum MANIFEST.json in \(folder)\n".utf8)); exit(66)
        }
        var failures = 0
        for entry in cases {
            let name = entry["name"] as? String ?? "?"
            do {
                try check(entry, root: root)
                print("ok    \(name)")
            } catch {
                failures += 1
                print("FAIL  \(name): \(error)")
            }
        }
        print("\(cases.count - failures) of \(cases.count) csv-spectrum cases agree in every chunking")
        exit(failures == 0 ? 0 : 1)
    }

    struct Mismatch: Error, CustomStringConvertible { var description: String }

    static func check(_ entry: [String: Any], root: URL) throws {
        guard let path = entry["csv"] as? String else { throw Mismatch(description: "no csv in the manifest entry") }
        let csv = [UInt8](try Data(contentsOf: root.appendingPathComponent(path)))
        let expected: [[String: String]]
        if let corrected = entry["expected_rows_corrected"] as? [[String: String]] {
            expected = corrected
        } else if let json = entry["json"] as? String,
                  let rows = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent(json))) as? [[String: String]] {
            expected = rows
        } else {
            throw Mismatch(description: "no expected rows")
        }
        for chunks in chunkings(csv.count) {
            let parsed = try rows(csv, chunks: chunks)
            guard let header = parsed.first else { throw Mismatch(description: "no header row") }
            let objects = parsed.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
            guard Array(objects) == expected else {
                throw Mismatch(description: "rows differ with pieces of \(chunks.prefix(5))…: got \(Array(objects)), expected \(expected)")
            }
        }
    }

    /// Whole, one byte at a time, and in pseudo-random pieces of 1 to 64 bytes.
    static func chunkings(_ count: Int) -> [[Int]] {
        var state: UInt64 = 42, random: [Int] = [], total = 0
        while total < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            random.append(Int(state >> 58) + 1)
            total += random.last!
        }
        return [[max(count, 1)], Array(repeating: 1, count: max(count, 1)), random]
    }

    static func rows(_ bytes: [UInt8], chunks: [Int]) throws -> [[String]] {
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
}
