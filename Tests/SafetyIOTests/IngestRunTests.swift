import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

struct IngestRunTests {
    static let root = Fixture.repositoryRoot.path
    static let pipelinePath = root + "/Pipelines/mingguang/pipeline.yaml"
    static var exports: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/SampleData/mingguang")) ?? []).sorted()
    }

    @Test func sampleExportsExist() { #expect(Self.exports.count == 13) }

    @Test(arguments: exports)
    func everyRecordIsAcceptedOrRejected(export: String) throws {
        let pipeline = try PipelineLoader.load(Self.pipelinePath)
        let out = try Fixture.temporaryDirectory()
        let summary = try IngestRun(pipeline: pipeline, exportPath: Self.root + "/SampleData/mingguang/" + export, outputDirectory: out).run()
        #expect(summary.read == summary.accepted + summary.rejected)
        #expect(summary.read > 0)
        let kindLines = try String(contentsOfFile: out + "/\(summary.kind.rawValue).csv", encoding: .utf8).split(separator: "\n").count
        let rejectLines = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8).split(separator: "\n").count
        // Rows can hold quoted line breaks, so count records by reading them back.
        var read = 0
        try NormalizedReader(directory: out).forEach { _ in read += 1 }
        #expect(read == summary.accepted)
        #expect(kindLines >= summary.accepted + 1 && rejectLines >= summary.rejected + 1)
        #expect(FileManager.default.fileExists(atPath: IngestRun.summaryPath(in: out)))
    }

    func failingRun(named name: String, bytes: [UInt8]) throws -> (IngestFailure?, String) {
        let pipeline = try PipelineLoader.load(Self.pipelinePath)
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let out = directory + "/out"
        do {
            _ = try IngestRun(pipeline: pipeline, exportPath: path, outputDirectory: out).run()
            return (nil, out)
        } catch let failure as IngestFailure {
            return (failure, out)
        }
    }

    func published(_ out: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    @Test func corruptGzipPublishesNothing() throws {
        let sample = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.root + "/SampleData/mingguang/jiaojing-accidents-2020-20201105.xml.gz")))
        var broken = sample
        broken[broken.count - 3] ^= 0x55
        let (failure, out) = try failingRun(named: "jiaojing-accidents-2020-20201106.xml.gz", bytes: broken)
        #expect(failure != nil)
        #expect(failure?.exitStatus == .inputNotTrustworthy)
        #expect(published(out).isEmpty)
        let tmp = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? [])
        #expect(tmp.isEmpty, "temporaries left: \(tmp)")
    }

    @Test func xmlThatIsNotWellFormedPublishesNothing() throws {
        let xml = Array("<jj:AccidentExport xmlns:jj=\"urn:mingguang:jiaojing:accident:1\"><jj:Accident id=\"1\">".utf8)
        let (failure, out) = try failingRun(named: "jiaojing-accidents-2020-20201106.xml.gz", bytes: Fixture.gzip(xml))
        guard case .notWellFormed = failure else { Issue.record("expected not well-formed, got \(String(describing: failure))"); return }
        #expect(published(out).isEmpty)
    }

    @Test func gzNameWithoutGzipDataIsRefusedByName() throws {
        let (failure, _) = try failingRun(named: "jiaojing-accidents-2020-20201106.xml.gz", bytes: Array("<x/>".utf8))
        #expect(failure == .notGzip(file: "jiaojing-accidents-2020-20201106.xml.gz"))
    }

    /// Excel's "Unicode Text": UTF-16LE with a BOM. A lone surrogate (a bad code unit) rejects
    /// only its record, with invalid_text; the records around it arrive.
    @Test func aBadCodeUnitInUTF16RejectsOnlyItsRecord() throws {
        func utf16(_ text: String) -> [UInt8] { Array(text.utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
        let header = "标题\n事故编号,发生日期,乡镇,行业领域,死亡人数,重伤人数,轻伤人数,直接经济损失(万元)\n"
        var rows: [String] = []
        for i in 1...9 { rows.append("U\(i),2020-01-0\(i),明光街道,建筑,0,0,0,1\n") }
        var bytes: [UInt8] = [0xFF, 0xFE] + utf16(header + rows[0...3].joined())
        bytes += utf16("U5,2020-01-05,明光") + [0x00, 0xD8] + utf16("街道,建筑,0,0,0,1\n")  // 0xD800 alone
        bytes += utf16(rows[5...].joined())
        let pipeline = try PipelineLoader.load(Self.pipelinePath)
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/yingji-accidents-20201106.csv"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let summary = try IngestRun(pipeline: pipeline, exportPath: path, outputDirectory: directory + "/out").run()
        #expect(summary.read == 9 && summary.accepted == 8 && summary.rejected == 1)
        let rejects = try String(contentsOfFile: directory + "/out/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("yingji-accidents-20201106.csv,,7,5,乡镇,,invalid_text,"))
        let accidents = try String(contentsOfFile: directory + "/out/accident.csv", encoding: .utf8)
        #expect(accidents.contains("U4,") && accidents.contains("U6,") && !accidents.contains("U5,"))
        #expect(!accidents.contains("\u{FFFD}"))
    }

    /// A rule's glob matches the export's path below the data folder or its file name.
    @Test func rulesMatchThePathBelowTheDataFolderOrTheFileName() throws {
        let directory = try Fixture.temporaryDirectory()
        let copy = directory + "/p"
        try FileManager.default.copyItem(atPath: Self.root + "/Pipelines/mingguang", toPath: copy)
        var yaml = try String(contentsOfFile: copy + "/pipeline.yaml", encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "files: \"zhujian-hazards-*.csv\"", with: "files: \"住建局/*.csv\"")
        try yaml.write(toFile: copy + "/pipeline.yaml", atomically: true, encoding: .utf8)
        let pipeline = try PipelineLoader.load(copy + "/pipeline.yaml")
        let byFolder = try pipeline.mapping(forExport: "/landing/住建局/台账.csv", name: "住建局/台账.csv")
        #expect(byFolder.mapping.department == "住建局")
        let byName = try pipeline.mapping(forExport: "/landing/应急局/yingji-drills-2020.csv", name: "应急局/yingji-drills-2020.csv")
        #expect(byName.mapping.kind == .drill)
        #expect(throws: IngestFailure.noMapping(file: "其他/台账.csv")) {
            try pipeline.mapping(forExport: "/landing/其他/台账.csv", name: "其他/台账.csv")
        }
    }

    /// The sample pipeline copied into a temporary folder with one mapping edited; the folder.
    func pipelineCopy(editing mapping: String, _ edit: (String) -> String) throws -> (LoadedPipeline, String) {
        let directory = try Fixture.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Self.root + "/Pipelines/mingguang", toPath: directory + "/p")
        let path = directory + "/p/mappings/" + mapping
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(edit(text) != text, "the edit changes the mapping")
        try edit(text).write(toFile: path, atomically: true, encoding: .utf8)
        return (try PipelineLoader.load(directory + "/p/pipeline.yaml"), directory)
    }

    /// One traffic-police accident as XML: `root` and `loss` are spliced in as written.
    static func trafficXML(root: String = "", id: String = "J1", loss: String) -> String {
        """
        <jj:AccidentExport xmlns:jj="urn:mingguang:jiaojing:accident:1"\(root)>
          <jj:Accident id="\(id)"><jj:OccurredAt>2020-03-01</jj:OccurredAt><jj:Location town="泊岗乡"/>
            <jj:Casualties><jj:Deaths>1</jj:Deaths><jj:SeriousInjuries>0</jj:SeriousInjuries><jj:MinorInjuries>0</jj:MinorInjuries></jj:Casualties>
            \(loss)<jj:Nature>营运</jj:Nature></jj:Accident>
        </jj:AccidentExport>
        """
    }

    /// The traffic police put the export date on the root element: a mapping reads it there.
    @Test func anExportDateOnTheXMLRootIsRead() throws {
        let (pipeline, directory) = try pipelineCopy(editing: "jiaojing-accidents.yaml") {
            $0.replacingOccurrences(of: "export_date: {file_name_pattern: \"-(\\\\d{8})\\\\.xml\"}",
                                    with: "export_date: {column: \"/jj:AccidentExport/@generated\"}")
        }
        let path = directory + "/jiaojing-accidents-2020-20201106.xml.gz"
        let xml = Self.trafficXML(root: " generated=\"2021-01-05\"", loss: "<jj:Loss>1000</jj:Loss>")
        FileManager.default.createFile(atPath: path, contents: Data(Fixture.gzip(Array(xml.utf8))))
        let summary = try IngestRun(pipeline: pipeline, exportPath: path, outputDirectory: directory + "/out").run()
        #expect(summary.accepted == 1)
        let rows = try String(contentsOfFile: directory + "/out/accident.csv", encoding: .utf8)
        #expect(rows.contains("J1,交警大队,2021-01-05,"), "the root's date, not the file name's 2020-11-06")
    }

    /// `<Loss unit="万元">`: each record's own unit (元 or 万元), the mapping's unit where it names
    /// none, and a record in an unknown unit rejected as unknown_unit.
    @Test func aMoneyFigureTakesItsUnitFromTheData() throws {
        let (pipeline, directory) = try pipelineCopy(editing: "jiaojing-accidents.yaml") {
            $0.replacingOccurrences(of: "{from: jj:Loss, unit: 元}", with: "{from: jj:Loss, unit: 元, unit_from: jj:Loss/@unit}")
        }
        var xml = ""
        for (id, loss) in [("W", "<jj:Loss unit=\"万元\">1.5</jj:Loss>"), ("Y", "<jj:Loss unit=\"元\">1000</jj:Loss>"),
                           ("N", "<jj:Loss>2000</jj:Loss>"), ("U", "<jj:Loss unit=\"美元\">3</jj:Loss>")] {
            xml += Self.trafficXML(id: id, loss: loss).split(separator: "\n").dropFirst().dropLast().joined(separator: "\n") + "\n"
        }
        xml = "<jj:AccidentExport xmlns:jj=\"urn:mingguang:jiaojing:accident:1\">\n" + xml + "</jj:AccidentExport>\n"
        let path = directory + "/jiaojing-accidents-2020-20201106.xml.gz"
        FileManager.default.createFile(atPath: path, contents: Data(Fixture.gzip(Array(xml.utf8))))
        let summary = try IngestRun(pipeline: pipeline, exportPath: path, outputDirectory: directory + "/out").run()
        #expect(summary.accepted == 3 && summary.rejected == 1)
        let rows = try String(contentsOfFile: directory + "/out/accident.csv", encoding: .utf8).split(separator: "\n")
        let loss = RecordSchema.fields(of: .accident).firstIndex { $0.name == "direct_loss_wan_yuan" }!
        func lossOf(_ id: String) -> String? { rows.first { $0.hasPrefix(id + ",") }.map { String($0.split(separator: ",", omittingEmptySubsequences: false)[loss]) } }
        #expect(lossOf("W") == "1.5" && lossOf("Y") == "0.1" && lossOf("N") == "0.2")
        let rejects = try String(contentsOfFile: directory + "/out/rejects.csv", encoding: .utf8)
        #expect(rejects.contains(",direct_loss_wan_yuan,美元,unknown_unit,"))
    }

    /// `--check`: the counts and the rejects by reason, nothing left behind; a run that would
    /// fail says so and still shows why.
    @Test func checkReportsRejectsByReasonAndWritesNothing() throws {
        let pipeline = try PipelineLoader.load(Self.pipelinePath)
        let check = try IngestCheck.run(pipeline: pipeline, exportPath: Self.root + "/SampleData/mingguang/yingji-accidents-20201105.csv")
        #expect(check.failure == nil && check.summary?.rejected == 1)
        #expect(check.reasons == [IngestCheck.Reason(code: "not_a_count", count: 1, examples: [
            "yingji-accidents-20201105.csv:6: field \"deaths\": \"两\" is not a whole number of zero or more; use digits"])])
        #expect(check.report.contains("rejects by reason:\n  not_a_count  1\n") && check.report.hasSuffix("nothing written (--check)\n"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("safety-check-") }
        #expect(leftovers.isEmpty)

        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/yingji-accidents-20201106.csv"
        FileManager.default.createFile(atPath: path, contents: Data(Self.accidents(bad: 12, good: 1)))
        let failing = try IngestCheck.run(pipeline: pipeline, exportPath: path)
        #expect(failing.failure?.exitStatus == .rejectsOverThreshold && failing.reasons.first?.count == 12)
        #expect(failing.reasons.first?.examples.count == IngestCheck.examplesPerReason)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["yingji-accidents-20201106.csv"])
    }

    /// A YAML syntax error names the file, the line and the column, for the pipeline file and a mapping alike.
    @Test func yamlSyntaxErrorsNameFileLineAndColumn() throws {
        let directory = try Fixture.temporaryDirectory()
        let pipelinePath = directory + "/pipeline.yaml"
        try "name: t\nreport_period: 2020-YTD-10\nfocus_sector: [道路交通运输\nsectors: []\n".write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        do {
            _ = try PipelineLoader.load(pipelinePath)
            Issue.record("a pipeline file that is not YAML was loaded")
        } catch let failure as IngestFailure {
            #expect(failure.description.hasPrefix(pipelinePath + ": configuration is not usable:"))
            #expect(failure.description.contains("line 4, column"), "\(failure.description)")
            #expect(!failure.description.contains("The given data was not valid YAML"))
        }
        let copy = directory + "/mingguang"
        try FileManager.default.copyItem(atPath: Self.root + "/Pipelines/mingguang", toPath: copy)
        let broken = copy + "/mappings/yingji-drills.yaml"
        try FileManager.default.removeItem(atPath: broken)
        try "department: 应急管理局\nkind: drill\n  fields: x\n".write(toFile: broken, atomically: true, encoding: .utf8)
        do {
            _ = try PipelineLoader.load(copy + "/pipeline.yaml")
            Issue.record("a mapping that is not YAML was loaded")
        } catch let failure as IngestFailure {
            #expect(failure.description.hasPrefix(broken + ": configuration is not usable:\n  line 3, column"), "\(failure.description)")
        }
    }

    static let accidentHeader = "title\n事故编号,发生日期,乡镇,行业领域,死亡人数,重伤人数,轻伤人数,直接经济损失(万元)\n"

    /// `bad` rows whose deaths are not a number, then `good` valid rows.
    static func accidents(bad: Int, good: Int) -> [UInt8] {
        var csv = accidentHeader
        for i in 0..<bad { csv += "B\(i),2020-01-01,明光街道,建筑,两,0,0,1\n" }
        for i in 0..<good { csv += "G\(i),2020-01-02,明光街道,建筑,1,0,0,1\n" }
        return Array(csv.utf8)
    }

    @Test func rejectsOverTheRateAndTheFloorFailButKeepTheRejectsFile() throws {
        let (failure, out) = try failingRun(named: "yingji-accidents-20201106.csv", bytes: Self.accidents(bad: 11, good: 9))
        #expect(failure == .rejectRateExceeded(file: "yingji-accidents-20201106.csv", rejected: 11, read: 20, limit: 0.2, floor: 10))
        #expect(failure?.exitStatus == .rejectsOverThreshold)
        #expect(failure?.description.contains("min_rejects_to_fail of 10") == true)
        #expect(published(out) == ["rejects.csv"])
    }

    /// A rate alone punishes small exports: one bad row of five is 20% but fails nothing; the
    /// floor is the pipeline's to set (0: the rate alone decides).
    @Test func aFewRejectsInASmallExportDoNotFailTheRun() throws {
        let (failure, out) = try failingRun(named: "yingji-accidents-20201106.csv", bytes: Self.accidents(bad: 2, good: 3))
        #expect(failure == nil)
        #expect(published(out).contains("accident.csv") && published(out).contains("rejects.csv"))
        let strict = try PipelineLoader.load(Self.pipelinePath)
        var config = strict.config
        config.minRejectsToFail = 0
        #expect(config.rejectsFail(rejected: 2, read: 5) && !strict.config.rejectsFail(rejected: 2, read: 5))
        #expect(!config.rejectsFail(rejected: 1, read: 5), "20% is not over 20%")
        #expect(!config.rejectsFail(rejected: 0, read: 0))
    }

    /// Mapping runs in batches on every core; what is written must be what one thread would write:
    /// rows and rejects in input order, a duplicate id found across batches.
    @Test func rowsAndRejectsKeepInputOrderAcrossMappingBatches() throws {
        var csv = "title\n事故编号,发生日期,乡镇,行业领域,死亡人数,重伤人数,轻伤人数,直接经济损失(万元)\n"
        for i in 1...9000 {
            let id = i == 8500 ? "A17" : "A\(i)"
            csv += "\(id),2020-01-\(String(format: "%02d", i % 28 + 1)),明光街道,建筑,\(i % 11 == 0 ? "两" : "0"),0,0,1\n"
        }
        let pipeline = try PipelineLoader.load(Self.pipelinePath)
        let directory = try Fixture.temporaryDirectory()
        let path = directory + "/yingji-accidents-20201106.csv"
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try IngestRun(pipeline: pipeline, exportPath: path, outputDirectory: directory + "/out").run()
        let badDeaths = (1...9000).filter { $0 % 11 == 0 }
        // Both records of a duplicated id are refused: the later one where it is met, the earlier after the rest.
        #expect(summary.read == 9000 && summary.rejected == badDeaths.count + 2)
        var ids: [String] = []
        try NormalizedReader(directory: directory + "/out").forEach { ids.append(RecordSchema.id(of: $0)) }
        #expect(ids == (1...9000).filter { $0 % 11 != 0 && $0 != 8500 && $0 != 17 }.map { "A\($0)" })
        let rejectLines = try String(contentsOfFile: directory + "/out/rejects.csv", encoding: .utf8)
            .split(separator: "\n").dropFirst().map { Int($0.split(separator: ",", omittingEmptySubsequences: false)[2])! }
        #expect(rejectLines == (badDeaths + [8500]).sorted().map { $0 + 2 } + [17 + 2])
    }

    @Test func unknownExportNameIsAConfigurationFailure() throws {
        let (failure, _) = try failingRun(named: "unknown.csv", bytes: Array("a\n".utf8))
        #expect(failure?.exitStatus == .configuration)
    }

    @Test func missingColumnNamesTheHeader() throws {
        let (failure, _) = try failingRun(named: "yingji-drills-2021.csv", bytes: Array("演练编号,演练日期\n1,2020-01-01\n".utf8))
        guard case .missingColumn(_, _, let column, let header) = failure else { Issue.record("got \(String(describing: failure))"); return }
        #expect(header == ["演练编号", "演练日期"])
        #expect(!column.isEmpty)
    }
}

/// The pipeline's `limits` reach the readers: a record over max_record_bytes and an archive over
/// max_archive_members fail with their limit named.
struct ConfiguredLimitsTests {
    func pipeline(limits: String) throws -> (LoadedPipeline, String) {
        let directory = try Fixture.temporaryDirectory()
        let source = IngestRunTests.root + "/Pipelines/mingguang"
        try FileManager.default.copyItem(atPath: source + "/mappings", toPath: directory + "/mappings")
        try FileManager.default.copyItem(atPath: source + "/reference.csv", toPath: directory + "/reference.csv")
        let text = try Fixture.samplePipelineYAML(limits: limits)
        try text.write(toFile: directory + "/pipeline.yaml", atomically: true, encoding: .utf8)
        return (try PipelineLoader.load(directory + "/pipeline.yaml"), directory)
    }

    /// A record over the limit is rejected with its line; the records after it are read.
    @Test func recordSizeLimit() throws {
        let (pipeline, directory) = try pipeline(limits: "{max_record_bytes: 200}")
        var csv = "演练编号,演练日期,乡镇,演练名称,参加人数,投入资金(元),是否全市性\nYL-1,2020-06-01,古沛镇,\"" + String(repeating: "长", count: 100) + "\",1,1,否\n"
        for i in 2...6 { csv += "YL-\(i),2020-06-0\(i),古沛镇,演练,1,1,否\n" }
        try csv.write(toFile: directory + "/yingji-drills-2099.csv", atomically: true, encoding: .utf8)
        let summary = try IngestRun(pipeline: pipeline, exportPath: directory + "/yingji-drills-2099.csv", outputDirectory: directory + "/out").run()
        #expect(summary.read == 6 && summary.accepted == 5 && summary.rejected == 1)
        let rejects = try String(contentsOfFile: directory + "/out/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("yingji-drills-2099.csv,,2,1,,,record_too_large,yingji-drills-2099.csv:2: record is larger than 200 bytes"), "\(rejects)")
    }

    /// A header row over the limit leaves nothing to read the records by: the file is refused.
    @Test func headerOverTheLimitRefusesTheFile() throws {
        let (pipeline, directory) = try pipeline(limits: "{max_record_bytes: 200}")
        let csv = String(repeating: "演练编号,", count: 30) + "\nYL-1,2020-06-01,古沛镇,演练,1,1,否\n"
        try csv.write(toFile: directory + "/yingji-drills-2099.csv", atomically: true, encoding: .utf8)
        #expect(throws: IngestFailure.recordTooLarge(file: "yingji-drills-2099.csv", member: nil, line: 1, limitBytes: 200)) {
            try IngestRun(pipeline: pipeline, exportPath: directory + "/yingji-drills-2099.csv", outputDirectory: directory + "/out").run()
        }
    }

    @Test func archiveMemberLimit() throws {
        let (pipeline, directory) = try pipeline(limits: "{max_archive_members: 3}")
        let member = Array("案件编号,决定日期,乡镇,行业,当事人,处理措施,罚款金额(元),导出日期\n".utf8)
        let archive = Fixture.gzip(Fixture.tar((1...5).map { ("shichang/enforcement-2020-0\($0).csv", Character("0"), member) }))
        FileManager.default.createFile(atPath: directory + "/shichang-enforcement-2099.tar.gz", contents: Data(archive))
        #expect(throws: IngestFailure.tooManyMembers(file: "shichang-enforcement-2099.tar.gz", limit: 3)) {
            try IngestRun(pipeline: pipeline, exportPath: directory + "/shichang-enforcement-2099.tar.gz", outputDirectory: directory + "/out").run()
        }
    }
}

struct EncodingAndArchiveLimitTests {
    @Test func aBadByteInAGB18030ExportRejectsOnlyItsRecord() throws {
        let pipeline = try PipelineLoader.load(IngestRunTests.pipelinePath)
        let directory = try Fixture.temporaryDirectory()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: IngestRunTests.root + "/SampleData/mingguang/zhujian-hazards-2020-20201105.csv")))
        // Repeat the last row with a new id and two bytes that are no GB18030 character in its project name.
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: true)
        var row = Array(lines.last!)
        let commas = row.indices.filter { row[$0] == 0x2C }
        row.insert(contentsOf: [0xFF, 0xFF], at: commas[2] + 1)
        row.replaceSubrange(0..<commas[0], with: Array("ZJ-9999".utf8))
        bytes += row + [0x0A]
        let path = directory + "/zhujian-hazards-2099-20201105.csv"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let summary = try IngestRun(pipeline: pipeline, exportPath: path, outputDirectory: directory + "/out").run()
        #expect(summary.rejected == 1)
        #expect(summary.accepted == summary.read - 1 && summary.accepted > 400)
        let rejects = try String(contentsOfFile: directory + "/out/rejects.csv", encoding: .utf8)
        #expect(rejects.contains(",invalid_text,"), "\(rejects)")
        var names: [String] = []
        try NormalizedReader(directory: directory + "/out").forEach { if case .hazard(let h) = $0 { names.append(h.region) } }
        #expect(names.contains("古沛镇") && !names.contains { $0.contains("\u{FFFD}") }, "text arrives exact, never U+FFFD")
    }

    @Test func tenThousandMembersIsTheDefaultLimit() throws {
        let archive = Fixture.tar((0...TarReader.defaultMaxMembers).map { ("m/\($0).csv", Character("0"), [UInt8]()) })
        let reader = TarReader(MemoryByteSource(archive), file: "big.tar")
        var seen = 0
        #expect(throws: IngestFailure.tooManyMembers(file: "big.tar", limit: 10_000)) {
            while try reader.nextMember() != nil { seen += 1 }
        }
        #expect(seen == 10_000)
    }
}

struct MisleadingNameTests {
    @Test func gzipDataUnderACSVNameIsRecognisedByItsMagicBytes() throws {
        let pipeline = try PipelineLoader.load(IngestRunTests.pipelinePath)
        let directory = try Fixture.temporaryDirectory()
        let csv = "演练编号,演练日期,乡镇,演练名称,参加人数,投入资金(元),是否全市性\nYL-1,2020-06-01,古沛镇,演练,12,500,否\n"
        FileManager.default.createFile(atPath: directory + "/yingji-drills-2099.csv", contents: Data(Fixture.gzip(Array(csv.utf8))))
        let summary = try IngestRun(pipeline: pipeline, exportPath: directory + "/yingji-drills-2099.csv", outputDirectory: directory + "/out").run()
        #expect(summary.read == 1 && summary.accepted == 1)
    }
}

struct DuplicateIDTests {
    @Test func exactRepeatsAreKeptOnceAndConflictsRejectedTogether() throws {
        let pipeline = try PipelineLoader.load(IngestRunTests.pipelinePath)
        let directory = try Fixture.temporaryDirectory()
        let csv = """
        演练编号,演练日期,乡镇,演练名称,参加人数,投入资金(元),是否全市性
        YL-1,2020-06-01,古沛镇,演练,10,500,否
        YL-2,2020-06-02,古沛镇,演练,20,500,否
        YL-1,2020-06-01,古沛镇,演练,10,500,否
        YL-3,2020-06-03,古沛镇,演练,30,500,否
        YL-2,2020-06-02,古沛镇,演练,25,500,否
        YL-4,2020-06-04,古沛镇,演练,40,500,否
        YL-5,2020-06-05,古沛镇,演练,50,500,否
        YL-6,2020-06-06,古沛镇,演练,60,500,否
        YL-7,2020-06-07,古沛镇,演练,70,500,否
        YL-8,2020-06-08,古沛镇,演练,80,500,否
        YL-9,2020-06-09,古沛镇,演练,90,500,否

        """
        try csv.write(toFile: directory + "/yingji-drills-2099.csv", atomically: true, encoding: .utf8)
        let summary = try IngestRun(pipeline: pipeline, exportPath: directory + "/yingji-drills-2099.csv", outputDirectory: directory + "/out").run()
        #expect(summary.read == 11 && summary.duplicates == 1 && summary.rejected == 2 && summary.accepted == 8)
        #expect(summary.read == summary.accepted + summary.rejected + summary.duplicates)
        #expect(summary.notes.contains { $0.contains(":4: exact repeat of line 2, kept once") })
        var ids: [String] = []
        try NormalizedReader(directory: directory + "/out").forEach { if case .drill(let d) = $0 { ids.append(d.id) } }
        #expect(ids == ["YL-1", "YL-3", "YL-4", "YL-5", "YL-6", "YL-7", "YL-8", "YL-9"])
        let rejects = try String(contentsOfFile: directory + "/out/rejects.csv", encoding: .utf8)
        #expect(rejects.contains(",,6,5,id,YL-2,conflicting_duplicate,") && rejects.contains("same id as the record at line 3"))
        #expect(rejects.contains(",,3,2,id,YL-2,conflicting_duplicate,") && rejects.contains("same id as the record at line 6"))
    }
}
