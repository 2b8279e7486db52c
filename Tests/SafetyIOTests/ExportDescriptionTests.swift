import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// `safety-ingest --describe`: what a new export is, and a draft mapping that `--check` accepts.
struct ExportDescriptionTests {
    static let sample = Fixture.repositoryRoot.path + "/SampleData/mingguang/"

    @Test func aGB18030HazardLedgerIsDescribedWithADraft() throws {
        let text = try ExportDescription.describe(path: Self.sample + "zhujian-hazards-2020-20201105.csv")
        #expect(text.contains("format: csv, encoding: gb18030, delimiter: \",\", header row: 1"))
        #expect(text.contains("  5. 隐患级别  e.g. 一般隐患 | 重大隐患  (0 empty)"))
        #expect(text.contains("kind: hazard\nformat: csv\nencoding: gb18030\n"))
        #expect(text.contains("  id: 编号\n") && text.contains("  deadline: 限改日期\n") && text.contains("  enterprise: 工程名称\n"))
        #expect(text.contains("export_date: {file_name_pattern: \"(\\\\d{8})\"}"))
        #expect(text.contains("  sector: TODO"))
    }

    /// The draft for the 应急局 accident sheet, its TODO filled, loads and maps the export.
    @Test func theDraftLoadsAndChecksOnceItsTODOsAreFilled() throws {
        let text = try ExportDescription.describe(path: Self.sample + "yingji-accidents-20201105.csv")
        #expect(text.contains("header row: 2 (rows above it are titles)"))
        #expect(text.contains("  id: 事故编号\n") && text.contains("  direct_loss_wan_yuan: {from: 直接经济损失(万元), unit: 万元}\n"))
        let yaml = String(text[text.range(of: "# Draft by")!.lowerBound...]).replacingOccurrences(of: "department: TODO", with: "department: 应急管理局")
        let directory = try Fixture.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixture.repositoryRoot.path + "/Pipelines/mingguang", toPath: directory + "/p")
        try yaml.write(toFile: directory + "/p/mappings/yingji-accidents.yaml", atomically: true, encoding: .utf8)
        let pipeline = try PipelineLoader.load(directory + "/p/pipeline.yaml")
        let check = try IngestCheck.run(pipeline: pipeline, exportPath: Self.sample + "yingji-accidents-20201105.csv")
        #expect(check.failure == nil && check.summary?.accepted ?? 0 > 0)
    }

    @Test func anXMLExportShowsItsRecordAndPaths() throws {
        let text = try ExportDescription.describe(path: Self.sample + "jiaojing-accidents-2020-20201105.xml.gz")
        #expect(text.contains("(gzip, read decompressed)"))
        #expect(text.contains("record: /{urn:mingguang:jiaojing:accident:1}AccidentExport/{urn:mingguang:jiaojing:accident:1}Accident"))
        #expect(text.contains("  Casualties/Deaths  e.g. 1 | 0 | 2"))
        #expect(text.contains("  Casualties/{urn:example:other}Deaths  e.g. 99"))
        #expect(text.contains("  Location/@town  e.g. 泊岗乡"))
    }

    @Test func headersNameTheKind() {
        #expect(MappingDraft.draft(headers: ["案件编号", "处罚日期", "处罚种类", "罚款金额(元)"])?.kind == .enforcement)
        #expect(MappingDraft.draft(headers: ["演练名称", "演练日期", "参加人数"])?.kind == .drill)
        #expect(MappingDraft.draft(headers: ["甲", "乙"]) == nil)
        let fines = MappingDraft.draft(headers: ["案件编号", "罚款（万元）"])!
        #expect(fines.matches.last?.unit == .wanYuan)
    }
}
