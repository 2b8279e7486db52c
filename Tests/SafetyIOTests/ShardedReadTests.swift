import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// Reading one normalized file on several cores: shards start at record boundaries (never inside
/// a quoted line break), cover every record once, and the counted indicators equal one core's.
struct ShardedReadTests {
    /// A normalized folder whose texts hold quoted line breaks, quotes and commas.
    static func normalizedFolder(count: Int) throws -> String {
        let directory = try Fixture.temporaryDirectory()
        var byKind: [RecordKind: [UInt8]] = [:]
        for (i, record) in PartialAggregateTests.records(seed: 7, count: count).enumerated() {
            var record = record
            if case .hazard(var h) = record {
                h.enterprise = i % 3 == 0 ? "明光\n\"第\(i)\"厂,\r\n二车间" : "企业\(i)"
                record = .hazard(h)
            }
            if byKind[record.kind] == nil {
                byKind[record.kind] = []
                CSVFormat.append(RecordSchema.fields(of: record.kind).map(\.name), to: &byKind[record.kind]!)
            }
            CSVFormat.append(RecordSchema.row(record), to: &byKind[record.kind]!)
        }
        for (kind, bytes) in byKind {
            FileManager.default.createFile(atPath: NormalizedReader.path(of: kind, in: directory), contents: Data(bytes))
        }
        return directory
    }

    @Test(arguments: [2, 3, 7, 64])
    func shardsCoverEveryRecordOnceAndStartAtBoundaries(count: Int) throws {
        let directory = try Self.normalizedFolder(count: 900)
        let file = NormalizedReader.path(of: .hazard, in: directory)
        var whole: [String] = []
        try NormalizedReader.forEachInterned(.hazard, path: file, range: 0..<Int.max) { record, _, _, _ in
            whole.append(RecordSchema.row(record).joined(separator: "|"))
        }
        let shards = try NormalizedReader.shards(of: file, count: count, minBytes: 1)
        #expect(shards.count > 1)
        #expect(shards.first?.lowerBound == 0)
        #expect(zip(shards, shards.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(shards.last?.upperBound == bytes.count)
        var pieced: [String] = []
        for shard in shards {
            // A boundary follows a line end outside quotes: the previous byte is "\n".
            if shard.lowerBound > 0 { #expect(bytes[shard.lowerBound - 1] == 0x0A) }
            try NormalizedReader.forEachInterned(.hazard, path: file, range: shard) { record, _, _, _ in
                pieced.append(RecordSchema.row(record).joined(separator: "|"))
            }
        }
        #expect(whole.count > 100)
        #expect(pieced == whole)
        #expect(whole.contains { $0.contains("\n\"第") })
    }

    @Test func shardedCountEqualsOneCore() throws {
        let directory = try Self.normalizedFolder(count: 1500)
        let pipeline = try PipelineLoader.load(Fixture.repositoryRoot.path + "/Pipelines/mingguang/pipeline.yaml")
        let periods = ["2020-YTD-10", "2020Q3", "2019-06"].map { ReportingPeriod(parsing: $0)! }
        let run = IndicatorRun(pipeline: pipeline, periods: periods)
        let (one, n1) = try run.accumulate([directory], cores: 1)
        let (many, n4) = try run.accumulate([directory], cores: 4, minShardBytes: 1)
        #expect(n1 == 1500 && n4 == n1)
        let expected = IndicatorRun.json(try run.table(one).0, pipeline: "t")
        #expect(IndicatorRun.json(try run.table(many).0, pipeline: "t") == expected)
        #expect(expected.contains("hazards_identified"))
    }

    @Test func aBadRowInALaterShardIsReportedWithItsRecordNumberFromTheStart() throws {
        let directory = try Self.normalizedFolder(count: 1500)
        let file = NormalizedReader.path(of: .inspection, in: directory)
        var text = try String(contentsOfFile: file, encoding: .utf8)
        text += "BAD,only,three\n"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let pipeline = try PipelineLoader.load(Fixture.repositoryRoot.path + "/Pipelines/mingguang/pipeline.yaml")
        let run = IndicatorRun(pipeline: pipeline, periods: [ReportingPeriod(parsing: "2020-YTD-10")!])
        func failure(cores: Int) -> String {
            do { _ = try run.accumulate([file], cores: cores, minShardBytes: 1); return "no error" } catch { return "\(error)" }
        }
        #expect(failure(cores: 1) != "no error")
        #expect(failure(cores: 3) == failure(cores: 1))
    }
}

/// Rows formatted straight into bytes are the bytes of the row's texts as a CSV line.
struct CSVLineSinkTests {
    @Test func bytesEqualTheLineOfTheRowsTexts() {
        var sink = CSVLineSink()
        var expected = ""
        for (i, record) in PartialAggregateTests.records(seed: 11, count: 400).enumerated() {
            var record = record
            if case .hazard(var h) = record {
                h.enterprise = ["a,b", "say \"hi\"", "two\nlines", "cr\r", "明光", ""][i % 6]
                record = .hazard(h)
            }
            RecordSchema.write(record, to: &sink)
            sink.endLine()
            expected += CSVFormat.line(RecordSchema.row(record))
        }
        #expect(String(decoding: sink.bytes, as: UTF8.self) == expected)
        #expect(expected.contains("\"say \"\"hi\"\"\""))
        var numbers = CSVLineSink()
        for n in [0, 7, -42, Int.max, Int.min + 1] { numbers.integer(n) }
        numbers.date(nil)
        numbers.endLine()
        #expect(String(decoding: numbers.bytes, as: UTF8.self) == "0,7,-42,\(Int.max),\(Int.min + 1),\n")
    }
}

/// Hazard rows read straight from their bytes equal the rows read through the field reader,
/// and a row of another shape (spaces around a value, an unknown level) still takes the general path.
struct FastHazardReadTests {
    @Test func fastAndGeneralPathsReadTheSameRecords() throws {
        let directory = try ShardedReadTests.normalizedFolder(count: 1200)
        let file = NormalizedReader.path(of: .hazard, in: directory)
        var text = try String(contentsOfFile: file, encoding: .utf8)
        // A row whose enterprise has a leading space: the fast path must step aside (the general path trims).
        text += "HX,交警大队,2020-05-01,2020-04-01,明光街道,建筑,\" 空格企业\",一般,,,false,,,,,f.csv,,9,9\n"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        func read(fast: Bool) throws -> [String] {
            var rows: [String] = []
            var interned = NormalizedReader.Interned()
            try NormalizedReader(path: file).read(.hazard, path: file, fastPaths: fast, interned: &interned) { record, region, sector, source in
                rows.append(RecordSchema.row(record).joined(separator: "|") + "#\(region),\(sector),\(source)")
            }
            return rows
        }
        let fast = try read(fast: true), general = try read(fast: false)
        #expect(fast.count > 250)
        #expect(fast == general)
        #expect(fast.last?.contains("|空格企业|") == true)
    }
}
