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
