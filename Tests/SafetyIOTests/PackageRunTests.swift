import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// Re-exports: the same (source, id) in several exports is one record; the latest export wins.
struct PackageRunTests {
    func ingestFolder(_ root: String, _ name: String, rows: [[String]]) throws -> String {
        let directory = root + "/" + name
        let header = RecordSchema.fields(of: .drill).map(\.name)
        var text = CSVFormat.line(header)
        for row in rows { text += CSVFormat.line(row) }
        try AtomicFile.write(text, to: directory + "/drill.csv")
        try AtomicFile.write(CSVFormat.line(RejectsFile.columns), to: directory + "/rejects.csv")
        let summary = IngestSummary(file: name, department: "应急管理局", kind: .drill, mapping: "m", read: rows.count, accepted: rows.count)
        try AtomicFile.write(summary.json, to: IngestRun.summaryPath(in: directory))
        return directory
    }

    func drill(_ id: String, exported: String, participants: String, source: String = "应急管理局") -> [String] {
        [id, source, exported, "2020-06-05", "明光街道", "演练", participants, "100", "false", "f.csv", "", "2", "1"]
    }

    @Test func latestExportWinsAndTheRestAreSuperseded() throws {
        let root = try Fixture.temporaryDirectory()
        let march = try ingestFolder(root, "m03", rows: [drill("D1", exported: "2020-04-03", participants: "10"),
                                                         drill("D2", exported: "2020-04-03", participants: "20")])
        let april = try ingestFolder(root, "m04", rows: [drill("D1", exported: "2020-05-03", participants: "11"),
                                                         drill("D2", exported: "2020-05-03", participants: "20"),
                                                         drill("D3", exported: "2020-05-03", participants: "30"),
                                                         drill("D1", exported: "2020-05-03", participants: "12", source: "消防大队")])
        // An older export named last must still lose to the newer one.
        let stale = try ingestFolder(root, "old", rows: [drill("D3", exported: "2020-01-01", participants: "99")])
        let pipeline = try PipelineLoader.load(Fixture.repositoryRoot.path + "/Pipelines/mingguang/pipeline.yaml")
        let totals = try PackageRun(pipeline: pipeline, ingestDirectories: [march, april, stale], outputDirectory: root + "/out").run()
        #expect(totals.superseded == 3)
        var kept: [String: Int] = [:]
        try NormalizedReader(directory: root + "/out/normalized").forEach { record in
            guard case .drill(let d) = record else { return }
            kept[d.provenance.source + "/" + d.id] = d.participants
        }
        #expect(kept == ["应急管理局/D1": 11, "应急管理局/D2": 20, "应急管理局/D3": 30, "消防大队/D1": 12])
        let corrections = try String(contentsOfFile: root + "/out/corrections.csv", encoding: .utf8)
        #expect(corrections.contains("drill,应急管理局,D1,participants,10,11,2020-04-03,2020-05-03,,,,\n"))
        #expect(corrections.contains("drill,应急管理局,D3,participants,99,30,2020-01-01,2020-05-03,,,,\n"))
        #expect(!corrections.contains(",D2,"), "an unchanged re-export is not a correction")
        let summary = try String(contentsOfFile: root + "/out/ingest-summary.csv", encoding: .utf8)
        #expect(summary.contains("m03,应急管理局,drill,2,2,0,0,2,0\n"))
        #expect(summary.contains("old,应急管理局,drill,1,1,0,0,1,0\n"))
    }
}

/// Re-export resolution in buckets on disk gives the bytes of resolution in one bucket in memory.
struct BucketedPackageTests {
    @Test func bucketsOnDiskGiveTheSameBytesAsOneInMemory() throws {
        let root = try Fixture.temporaryDirectory()
        let helper = PackageRunTests()
        // Three monthly cumulative exports: ids re-exported, some values changed, one quoted id.
        var months: [String] = []
        for month in 1...3 {
            var rows: [[String]] = []
            for i in 0..<(400 * month) {
                let id = i == 5 ? "D\"5\",x" : "D\(i)"
                let participants = String(10 + (i % 7 == 0 ? month : 0))
                rows.append(helper.drill(id, exported: "2020-0\(month + 1)-05", participants: participants,
                                         source: i % 3 == 0 ? "消防大队" : "应急管理局"))
            }
            months.append(try helper.ingestFolder(root, "m\(month)", rows: rows))
        }
        let pipeline = try PipelineLoader.load(Fixture.repositoryRoot.path + "/Pipelines/mingguang/pipeline.yaml")
        var outputs: [[String]] = []
        // "pieces": pass 1 reads every input in two pieces on two workers, each with its own buckets.
        for (name, bucketBytes, minShardBytes) in [("one", 8 << 20, 8 << 20), ("many", 16 << 10, 8 << 20), ("pieces", 16 << 10, 1),
                                                   ("pieces in memory", 8 << 20, 1)] {
            var run = PackageRun(pipeline: pipeline, ingestDirectories: months, outputDirectory: root + "/" + name)
            run.bucketBytes = bucketBytes
            run.minShardBytes = minShardBytes
            let totals = try run.run()
            #expect(totals.superseded == 400 + 800)
            outputs.append(try ["normalized/drill.csv", "corrections.csv", "ingest-summary.csv"].map {
                try String(contentsOfFile: root + "/\(name)/" + $0, encoding: .utf8)
            })
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: root + "/" + name).filter { $0.hasPrefix(".") }
            #expect(leftovers.isEmpty, "spill files are removed: \(leftovers)")
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
        #expect(outputs[0] == outputs[3])
        let normalized = outputs[1][0].split(separator: "\n")
        #expect(normalized.count == 1 + 1200)
        #expect(normalized[6].hasPrefix("\"D\"\"5\"\",x\",应急管理局,2020-04-05,"), "winners keep input order")
        // Ids 0, 7, 14 … changed participants in each later month: 2 corrections for those of month 1.
        #expect(outputs[1][1].contains("drill,消防大队,D0,participants,11,13,2020-02-05,2020-04-05,,,,\n"))
        #expect(outputs[1][1].contains("drill,消防大队,D0,participants,12,13,2020-03-05,2020-04-05,,,,\n"))
    }

    /// A damaged row is refused with its record number in the file, whichever piece pass 1 read it in.
    @Test func aDamagedRowIsNamedByItsRecordInEveryPiece() throws {
        let root = try Fixture.temporaryDirectory()
        let helper = PackageRunTests()
        let rows = (0..<1000).map { helper.drill("D\($0)", exported: "2020-02-05", participants: "10") }
        let folder = try helper.ingestFolder(root, "m1", rows: rows)
        var lines = try String(contentsOfFile: folder + "/drill.csv", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines[900] = "D899,应急管理局,2020-02-05"   // record 900 (the header is record 0), in the second half
        try AtomicFile.write(lines.joined(separator: "\n"), to: folder + "/drill.csv")
        let pipeline = try PipelineLoader.load(Fixture.repositoryRoot.path + "/Pipelines/mingguang/pipeline.yaml")
        for minShardBytes in [8 << 20, 1] {
            var run = PackageRun(pipeline: pipeline, ingestDirectories: [folder], outputDirectory: root + "/out\(minShardBytes)")
            run.minShardBytes = minShardBytes
            #expect {
                _ = try run.run()
            } throws: { error in
                "\(error)".contains("record 900: 3 fields, expected 13")
            }
        }
    }

    /// Shards resolved apart (the Spark driver's tasks) and assembled give one run's bytes: the
    /// package, corrections, rejects and summary; each shard holds only its keys, every version
    /// of a record in one shard; a shard missing or given twice is refused.
    @Test func shardsResolvedApartAssembleToOneRunsBytes() throws {
        let root = try Fixture.temporaryDirectory()
        let helper = PackageRunTests()
        var months: [String] = []
        for month in 1...3 {
            let rows = (0..<(300 * month)).map { i in
                helper.drill("D\(i)", exported: "2020-0\(month + 1)-05", participants: String(10 + (i % 5 == 0 ? month : 0)),
                             source: i % 4 == 0 ? "消防大队" : "应急管理局")
            }
            months.append(try helper.ingestFolder(root, "m\(month)", rows: rows))
        }
        let pipeline = try PipelineLoader.load(Fixture.repositoryRoot.path + "/Pipelines/mingguang/pipeline.yaml")
        _ = try PackageRun(pipeline: pipeline, ingestDirectories: months, outputDirectory: root + "/whole").run()
        var shards: [String] = []
        var keys: [Set<String>] = []
        for index in 0..<3 {
            var run = PackageRun(pipeline: pipeline, ingestDirectories: months, outputDirectory: root + "/shard\(index)")
            run.shard = (index, 3)
            run.bucketBytes = index == 1 ? 8 << 10 : 8 << 20   // one shard spills its buckets, the others do not
            _ = try run.run()
            shards.append(root + "/shard\(index)")
            let rows = try String(contentsOfFile: root + "/shard\(index)/normalized/drill.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            keys.append(Set(rows.map { $0.split(separator: ",").prefix(2).joined(separator: ",") }))
        }
        #expect(keys.allSatisfy { !$0.isEmpty } && keys.map(\.count).reduce(0, +) == 900, "900 records, each in one shard")
        #expect(keys[0].isDisjoint(with: keys[1]) && keys[1].isDisjoint(with: keys[2]) && keys[0].isDisjoint(with: keys[2]))
        var assembly = PackageRun(pipeline: pipeline, ingestDirectories: months, outputDirectory: root + "/assembled")
        assembly.assembling = shards
        let totals = try assembly.run()
        #expect(totals.superseded == 300 + 600)
        for file in ["normalized/drill.csv", "normalized/accident.csv", "corrections.csv", "rejects.csv", "ingest-summary.csv",
                     "normalized/coverage.csv", "normalized/datapackage.json"] {
            #expect(FileManager.default.contentsEqual(atPath: root + "/whole/" + file, andPath: root + "/assembled/" + file), "\(file)")
        }
        #expect(try String(contentsOfFile: root + "/whole/corrections.csv", encoding: .utf8).split(separator: "\n").count > 100)
        // The same with every ingest folder split by shard first: each shard reads its own rows only.
        for month in months { try PackageRun.split(ingestDirectory: month, count: 3) }
        var splitShards: [String] = []
        for index in 0..<3 {
            var run = PackageRun(pipeline: pipeline, ingestDirectories: months, outputDirectory: root + "/split\(index)")
            run.shard = (index, 3)
            run.bucketBytes = index == 2 ? 8 << 10 : 8 << 20
            _ = try run.run()
            splitShards.append(root + "/split\(index)")
            #expect(FileManager.default.contentsEqual(atPath: root + "/split\(index)/normalized/drill.csv",
                                                      andPath: root + "/shard\(index)/normalized/drill.csv"))
        }
        var fromSplits = PackageRun(pipeline: pipeline, ingestDirectories: months, outputDirectory: root + "/assembled-splits")
        fromSplits.assembling = splitShards
        _ = try fromSplits.run()
        for file in ["normalized/drill.csv", "corrections.csv", "ingest-summary.csv"] {
            #expect(FileManager.default.contentsEqual(atPath: root + "/whole/" + file, andPath: root + "/assembled-splits/" + file), "split: \(file)")
        }
        for wrong in [[shards[0], shards[1]], [shards[0], shards[0], shards[2]]] {
            var bad = PackageRun(pipeline: pipeline, ingestDirectories: months, outputDirectory: root + "/bad")
            bad.assembling = wrong
            #expect(throws: IngestFailure.self) { try bad.run() }
        }
    }

    /// Rows are copied as byte ranges only from inputs laid out as the ingest writes them; an
    /// input with CRLF line ends or a blank line is copied row by row, to the same bytes.
    @Test func inputsWithOtherLineEndsGiveTheSameBytes() throws {
        let root = try Fixture.temporaryDirectory()
        let helper = PackageRunTests()
        let rows = (0..<50).map { helper.drill("D\($0)", exported: "2020-03-05", participants: String($0)) }
        let later = (0..<20).map { helper.drill("D\($0 * 2)", exported: "2020-04-05", participants: String($0 + 100)) }
        let pipeline = try PipelineLoader.load(Fixture.repositoryRoot.path + "/Pipelines/mingguang/pipeline.yaml")
        var outputs: [String] = []
        for variant in ["lf", "crlf"] {
            let first = try helper.ingestFolder(root + "/" + variant, "m1", rows: rows)
            let second = try helper.ingestFolder(root + "/" + variant, "m2", rows: later)
            if variant == "crlf" {
                let path = first + "/drill.csv"
                let text = try String(contentsOfFile: path, encoding: .utf8)
                try (text.replacingOccurrences(of: "\n", with: "\r\n") + "\r\n").write(toFile: path, atomically: true, encoding: .utf8)
            }
            let totals = try PackageRun(pipeline: pipeline, ingestDirectories: [first, second], outputDirectory: root + "/" + variant + "/out").run()
            #expect(totals.superseded == 20)
            outputs.append(try String(contentsOfFile: root + "/\(variant)/out/normalized/drill.csv", encoding: .utf8))
        }
        #expect(outputs[0] == outputs[1])
        #expect(!outputs[0].contains("\r") && outputs[0].split(separator: "\n").count == 1 + 30 + 20)
        #expect(outputs[0].contains("D1,应急管理局,2020-03-05,") && !outputs[0].contains("D2,应急管理局,2020-03-05,"))
    }
}
