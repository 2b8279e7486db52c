import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore

/// Runs the Makefile on a temporary copy of SampleData with the debug executables `swift test`
/// built, and checks every figure the seed report publishes.
@Suite(.serialized)
struct SamplePipelineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let bin = root + "/.build/debug"

    struct Run { var status: Int32; var output: String; var out: String }

    /// `make` with OUT and DATA in a fresh temporary folder; extra exports are added to the copy.
    static func make(adding extra: [String: [UInt8]] = [:], target: String = "all", period: String = "") throws -> Run {
        let work = NSTemporaryDirectory() + "safety-e2e-" + UUID().uuidString
        let data = work + "/data", out = work + "/out"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: root + "/SampleData/mingguang") {
            try FileManager.default.copyItem(atPath: root + "/SampleData/mingguang/" + name, toPath: data + "/" + name)
        }
        for (name, bytes) in extra { FileManager.default.createFile(atPath: data + "/" + name, contents: Data(bytes)) }
        let (status, output) = try CommandLine.run(["make", "-C", root, "-j2", "BUILD=no", "BIN=\(bin)", "DATA=\(data)", "OUT=\(out)",
                                                    "PERIOD=\(period)", target])
        return Run(status: status, output: output, out: out)
    }

    static let sample = Result { try make() }

    func value(_ table: IndicatorTable, _ code: IndicatorCode, _ period: String, sector: String = "") -> (String, String, String) {
        guard let row = table.row(code, period: period, breakdown: sector.isEmpty ? .all : .sector(sector)) else { return ("", "", "") }
        let v = IndicatorRow.valueColumn
        return (row.fields[v], row.fields[v + 1], row.fields[v + 2])
    }

    /// The fire brigade does not export minor injuries: its fires leave the 全口径 sum with a
    /// count of unknowns and no change, and indicators.json says so.
    @Test func minorInjuriesTheFireBrigadeDoesNotExportAreUnknownNotZero() throws {
        let run = try Self.sample.get()
        let table = try IndicatorRun.readTable(csvPath: run.out + "/indicators.csv")
        let row = try #require(table.row(.minorInjuries, period: "2020-YTD-10", breakdown: Breakdown.all.inFullScope))
        #expect(row.unknownRecords > 0 && row.change.change == nil)
        let other = try #require(table.row(.minorInjuries, period: "2020-YTD-10", breakdown: Breakdown.sector("其他").inFullScope))
        #expect(other.value == nil, "only fires in 其他: unknown, not 0")
        let json = try String(contentsOfFile: run.out + "/indicators.json", encoding: .utf8)
        #expect(json.contains("minor_injuries, 2020-YTD-10 (全口径): \(row.unknownRecords) records with the figure unknown are not in the sum"))
        let accidents = try String(contentsOfFile: run.out + "/normalized/accident.csv", encoding: .utf8)
        #expect(accidents.contains(",消防大队,") && accidents.split(separator: "\n").contains { $0.contains(",消防大队,") && $0.contains(",,") })
    }

    /// 住建局 and 市场监管局 sent 2020 only: last year's hazards and enforcement are not known, so
    /// they are left empty with a note, never compared as 0; the year 2020, covered to early
    /// November, keeps its values without a change.
    @Test func whatTheExportsDoNotCoverIsLeftEmptyWithANote() throws {
        let run = try Self.sample.get()
        let table = try IndicatorRun.readTable(csvPath: run.out + "/indicators.csv")
        let hazards = try #require(table.row(.hazardsIdentified, period: "2020-YTD-10"))
        #expect(hazards.value != nil && hazards.previousValue == nil && hazards.change.change == nil)
        #expect(table.row(.finesWanYuan, period: "百日除患铸安")?.previousValue == nil)
        let own = try #require(table.row(.hazardsIdentified, period: "2020-YTD-10", breakdown: Breakdown(.source, "应急管理局")))
        #expect(own.previousValue != nil && own.change.change != nil, "应急管理局 exported 2019 too")
        let year = try #require(table.row(.accidents, period: "2020"))
        #expect(year.value != nil && year.previousValue != nil && year.change.change == nil)
        let json = try String(contentsOfFile: run.out + "/indicators.json", encoding: .utf8)
        #expect(json.contains("hazard, 2020-YTD-10, same period last year 2019-01-01…2019-10-31: no export of 住建局 covers it"))
        #expect(json.contains("accident, 2020, 2020-01-01…2020-12-31: covered only in part by the exports of"))
        let coverage = try String(contentsOfFile: run.out + "/normalized/coverage.csv", encoding: .utf8)
        #expect(coverage.contains("住建局,hazard,2020-01-01,2020-11-05,zhujian-hazards-2020-20201105.csv"))
        let summary = try String(contentsOfFile: run.out + "/ingest/zhujian-hazards-2020-20201105.csv/summary.json", encoding: .utf8)
        #expect(summary.contains("\"covers_start\": \"2020-01-01\"") && summary.contains("\"covers_end\": \"2020-11-05\""))
    }

    /// Offices receive exports in a folder per department: found below DATA at any depth (hidden
    /// files left alone), named by their path below it, with the same figures as a flat folder.
    @Test func aLandingFolderWithAFolderPerDepartment() throws {
        let flat = try Self.sample.get()
        let work = NSTemporaryDirectory() + "safety-e2e-" + UUID().uuidString
        let data = work + "/landing", out = work + "/out"
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: Self.root + "/SampleData/mingguang") {
            let folder = data + "/" + (name.hasPrefix("zhujian") ? "住建局" : name.hasPrefix("yingji") ? "应急局/2020" : "其他")
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try fm.copyItem(atPath: Self.root + "/SampleData/mingguang/" + name, toPath: folder + "/" + name)
        }
        fm.createFile(atPath: data + "/.DS_Store", contents: Data([0, 1, 2]))
        let (status, output) = try CommandLine.run(["make", "-C", Self.root, "-j2", "BUILD=no", "BIN=\(Self.bin)", "DATA=\(data)",
                                                    "OUT=\(out)", "PERIOD=", "all"])
        #expect(status == 0, "make failed:\n\(output)")
        for file in ["indicators.csv", "bulletin.md"] {
            #expect(try String(contentsOfFile: out + "/" + file, encoding: .utf8) == String(contentsOfFile: flat.out + "/" + file, encoding: .utf8))
        }
        let rejects = try String(contentsOfFile: out + "/rejects.csv", encoding: .utf8)
        #expect(rejects.contains("\n应急局/2020/yingji-accidents-20201105.csv,,6,4,deaths,"))
        let summary = try String(contentsOfFile: out + "/ingest-summary.csv", encoding: .utf8)
        #expect(summary.contains("住建局/zhujian-hazards-2020-20201105.csv,住建局,hazard"))
    }

    /// Operators install, not run from a checkout: executables, man pages and completions under
    /// PREFIX, and uninstall removes every one. (`make test` builds generate-manual first.)
    @Test func installPutsExecutablesManPagesAndCompletionsUnderThePrefix() throws {
        let prefix = NSTemporaryDirectory() + "safety-install-" + UUID().uuidString
        let manual = Self.bin + "/generate-manual"
        #expect(FileManager.default.isExecutableFile(atPath: manual), "build it first: swift build --product generate-manual")
        let (status, output) = try CommandLine.run(["make", "-C", Self.root, "BUILD=no", "BIN=\(Self.bin)", "PREFIX=\(prefix)",
                                                    "GENERATE_MANUAL=\(manual)", "install"])
        #expect(status == 0, "make install failed:\n\(output)")
        let tools = ["safety-ingest", "safety-package", "safety-indicators", "safety-merge", "safety-report", "safety-publish"]
        for tool in tools {
            #expect(FileManager.default.isExecutableFile(atPath: prefix + "/bin/" + tool))
            let man = try String(contentsOfFile: prefix + "/share/man/man1/\(tool).1", encoding: .utf8)
            #expect(man.contains(".Nm \(tool)") && man.contains("--pipeline"))
            #expect(try String(contentsOfFile: prefix + "/share/bash-completion/completions/" + tool, encoding: .utf8).contains("--pipeline"))
            #expect(FileManager.default.fileExists(atPath: prefix + "/share/zsh/site-functions/_" + tool))
            #expect(FileManager.default.fileExists(atPath: prefix + "/share/fish/vendor_completions.d/\(tool).fish"))
        }
        let (help, text) = try CommandLine.run([prefix + "/bin/safety-ingest", "--help"])
        #expect(help == 0 && text.contains("USAGE: safety-ingest"))
        let (removed, log) = try CommandLine.run(["make", "-C", Self.root, "BUILD=no", "BIN=\(Self.bin)", "PREFIX=\(prefix)", "uninstall"])
        #expect(removed == 0, "\(log)")
        let left = FileManager.default.enumerator(atPath: prefix)?.allObjects.compactMap { $0 as? String }.filter {
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: prefix + "/" + $0, isDirectory: &directory) && !directory.boolValue
        }
        #expect(left == [], "uninstall left \(left ?? [])")
    }

    /// What departments wrote in words reaches the package as written (SQLite: ReportOutputTests).
    @Test func freeTextIsCarriedAsWritten() throws {
        let run = try Self.sample.get()
        let accidents = try String(contentsOfFile: run.out + "/normalized/accident.csv", encoding: .utf8)
        #expect(accidents.contains(",operating,外墙脚手架拆除时一名工人高处坠落,,,yingji-accidents-20201105.csv,"))
        #expect(accidents.contains(",non_operating,,,,xiaofang-fires-20201105.csv,"), "a mapping that names no text leaves it empty")
        #expect(accidents.contains(",operating,车辆碰撞 <现场勘查>,G104 & 县道,,jiaojing-accidents-2020-20201105.xml.gz,"))
    }

    @Test func makeReproducesTheSeedFigures() throws {
        let run = try Self.sample.get()
        #expect(run.status == 0, "make failed:\n\(run.output)")
        let table = try IndicatorRun.readTable(csvPath: run.out + "/indicators.csv")
        let ytd = "2020-YTD-10", road = "道路交通运输"
        // 截至10月底: 9 road accidents, 6 deaths, 5 serious injuries; -3, -5, 持平.
        #expect(value(table, .accidents, ytd, sector: road) == ("9", "12", "-3"))
        #expect(value(table, .deaths, ytd, sector: road) == ("6", "11", "-5"))
        #expect(value(table, .seriousInjuries, ytd, sector: road) == ("5", "5", "0"))
        // 较大以上 road accidents: none, one fewer, three fewer deaths.
        #expect(value(table, .majorAccidents, ytd, sector: road) == ("0", "1", "-1"))
        #expect(value(table, .majorAccidentDeaths, ytd, sector: road) == ("0", "3", "-3"))
        // All other sectors: none; two fewer accidents and deaths.
        let all = value(table, .accidents, ytd), allDeaths = value(table, .deaths, ytd)
        #expect(Int(all.0)! - 9 == 0 && Int(all.1)! - 12 == 2)
        #expect(Int(allDeaths.0)! - 6 == 0 && Int(allDeaths.1)! - 11 == 2)
        // 百日除患铸安.
        let c = "百日除患铸安"
        #expect(value(table, .hazardsIdentified, c).0 == "494")
        #expect(value(table, .hazardsRectified, c).0 == "418")
        #expect(value(table, .rectificationRate, c).0 == "84.6")
        #expect(value(table, .majorHazards, c).0 == "34")
        #expect(value(table, .majorHazardsRectified, c).0 == "32")
        #expect(value(table, .violations, c).0 == "967")
        #expect(value(table, .closures, c).0 == "7")
        #expect(value(table, .suspensions, c).0 == "6")
        #expect(value(table, .licencesSuspendedOrRevoked, c).0 == "124")
        #expect(value(table, .finesWanYuan, c).0 == "118.3")
        // The provincial inspection campaign.
        let p = "全省安全生产大检查大督查大整治专项行动"
        #expect(value(table, .inspectionGroups, p).0 == "272")
        #expect(value(table, .enterprisesInspected, p).0 == "1001")
        #expect(value(table, .hazardsIdentified, p).0 == "942")
        #expect(value(table, .rectificationOrders, p).0 == "196")
        #expect(value(table, .suspensions, p).0 == "4")
        #expect(value(table, .closures, p).0 == "2")
        #expect(value(table, .finesWanYuan, p).0 == "299")
        // 2020: 13 major hazards listed, in two batches.
        #expect(value(table, .listedHazards, "2020").0 == "13")
        #expect(value(table, .listingBatches, "2020").0 == "2")
        // 安全生产月.
        let m = "安全生产月"
        #expect(value(table, .drills, m).0 == "18")
        #expect(value(table, .drillParticipants, m).0 == "1562")
        #expect(value(table, .drillFundsWanYuan, m).0 == "19.1")
        #expect(value(table, .cityWideDrills, m).0 == "4")
    }

    @Test func bulletinCarriesTheSeedSentences() throws {
        let run = try Self.sample.get()
        let bulletin = try String(contentsOfFile: run.out + "/bulletin.md", encoding: .utf8)
        #expect(bulletin.contains("截至10月底，全市共发生道路交通运输业事故9起，造成6人死亡、5人重伤，较上年同期，事故起数减少3起、死亡人数减少5人、重伤人数持平。"))
        #expect(bulletin.contains("未发生较大以上道路交通事故，较上年同期，事故起数减少1起、死亡人数减少3人。"))
        #expect(bulletin.contains("农林渔牧业、采矿业、商贸制造业、建筑业及其他行业领域继续保持稳定，未发生生产安全事故，较上年同期，事故起数减少2起、死亡人数减少2人。"))
        #expect(bulletin.contains("排查各类事故隐患494个、治理整顿各类事故隐患418个，整改率84.6%（418/494）；先后对34项重大隐患实施挂牌整治，整治完成32项"))
        #expect(bulletin.contains("共打击各类严重违法违规行为967起，其中关闭取缔企业7家、停产整顿企业6家、暂扣吊销证照124个"))
        #expect(bulletin.contains("实施行政处罚罚款118.3万元"))
        #expect(bulletin.contains("全市共组成专项督查检查组272批次，督导检查企业1001家（次）"))
        #expect(bulletin.contains("全市共举行各类应急演练活动18场，参加人数1562人次，投入资金19.1万元，其中全市性综合演练4场"))
        #expect(bulletin.contains("先后分两批对13项重大隐患挂牌督办整治"))
    }

    @Test func everyRecordIsAccountedFor() throws {
        let run = try Self.sample.get()
        let summary = try String(contentsOfFile: run.out + "/ingest-summary.csv", encoding: .utf8)
        var read = 0, accepted = 0, rejected = 0, superseded = 0
        for line in summary.split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
            read += cells[3]; accepted += cells[4]; rejected += cells[5]; superseded += cells[7]
            #expect(cells[3] == cells[4] + cells[5] + cells[8], "\(line)")
        }
        #expect(read == accepted + rejected && rejected == 8)
        // Market supervision re-exports every month cumulatively, and the traffic police's
        // October 31 export is wholly replaced by the November 5 one: only the latest counts.
        #expect(superseded > 1000)
        #expect(summary.contains("jiaojing-accidents-2020-20201031.xml.gz,交警大队,accident,22,22,0,0,22,0\n"))
        var normalized = 0
        try NormalizedReader(directory: run.out + "/normalized").forEach { _ in normalized += 1 }
        #expect(normalized == accepted - superseded)
        let rejects = try String(contentsOfFile: run.out + "/rejects.csv", encoding: .utf8)
        #expect(rejects.hasPrefix("file,member,line,record,field,value,reason_code,reason\n"))
        #expect(rejects.contains("yingji-accidents-20201105.csv,,6,4,deaths,两,not_a_count,"))
        #expect(rejects.contains("impossible_date") && rejects.contains("unknown_code") && rejects.contains("rectified_before_found"))
        #expect(rejects.contains(",rectified_date,,rectified_without_date,"))
        #expect(rejects.contains("'=HYPERLINK"), "formula in a rejects cell must be neutralised")
        #expect(rejects.contains("anweiban-hazard-summary-20201105.csv,,6,5,stated_rate,96.0%,rate_disagrees,"))
        let package = try String(contentsOfFile: run.out + "/normalized/datapackage.json", encoding: .utf8)
        let descriptor = try #require(try JSONSerialization.jsonObject(with: Data(package.utf8)) as? [String: Any])
        let resources = try #require(descriptor["resources"] as? [[String: Any]])
        #expect(resources.compactMap { $0["name"] as? String } == ["accident", "hazard", "enforcement", "inspection", "drill", "hazard_summary"])
    }

    @Test func statisticalScopeAndCorrections() throws {
        let run = try Self.sample.get()
        let table = try IndicatorRun.readTable(csvPath: run.out + "/indicators.csv")
        let road = Breakdown.sector("道路交通运输")
        let statistical = try #require(table.row(.accidents, period: "2020-YTD-10", breakdown: road))
        let full = try #require(table.row(.accidents, period: "2020-YTD-10", breakdown: road.inFullScope))
        #expect(statistical.value == ExactDecimal(integer: 9))
        #expect(full.value == ExactDecimal(integer: 22), "全口径 counts non-operating and unknown-scope road accidents too")
        #expect(table.row(.accidentsScopeUnknown, period: "2020-YTD-10", breakdown: Breakdown.all.inFullScope)?.value == ExactDecimal(integer: 1))
        #expect(table.row(.deaths, period: "2020-YTD-10", breakdown: Breakdown.all.inFullScope)?.value != table.row(.deaths, period: "2020-YTD-10")?.value)
        let bulletin = try String(contentsOfFile: run.out + "/bulletin.md", encoding: .utf8)
        #expect(bulletin.contains("全口径统计，全市共发生道路交通事故22起"))
        #expect(bulletin.contains("另有1起事故未注明是否属生产经营性，未纳入统计"))
        let corrections = try String(contentsOfFile: run.out + "/corrections.csv", encoding: .utf8)
        #expect(corrections.contains(",serious_injuries,1,0,2020-10-31,2020-11-05,2020-10-29,7,7,yes\n"))
        #expect(corrections.contains("enforcement,市场监管局,"))
    }

    @Test func onePeriodThroughMake() throws {
        let run = try Self.make(target: "bulletin", period: "2020Q3")
        #expect(run.status == 0, "\(run.output)")
        let bulletin = try String(contentsOfFile: run.out + "/periods/2020Q3/bulletin.md", encoding: .utf8)
        #expect(bulletin.contains("# 明光市安全生产形势分析（2020年第三季度）"))
        #expect(bulletin.contains("| 7月 |"))
        let table = try IndicatorRun.readTable(csvPath: run.out + "/periods/2020Q3/indicators.csv")
        let q3 = try #require(table.row(.hazardsIdentified, period: "2020Q3"))
        #expect(q3.priorValue != nil, "a quarter compares with the quarter before")
    }

    @Test func sameInputsGiveTheSameBytes() throws {
        let first = try Self.sample.get(), second = try Self.make()
        for file in ["indicators.csv", "indicators.json", "bulletin.md", "bulletin.txt", "indicators.xlsx", "report.html",
                     "indicators-excel.csv", "safety.sqlite", "rejects.csv", "normalized/hazard.csv", "normalized/datapackage.json",
                     "bulletin.docx", "supervision.csv", "listed-hazards.csv", "repeat-offenders.csv"] {
            #expect(FileManager.default.contentsEqual(atPath: first.out + "/" + file, andPath: second.out + "/" + file), "\(file) differs")
        }
    }

    @Test func aCorruptExportFailsTheRunAndNamesTheFile() throws {
        let run = try Self.make(adding: ["jiaojing-accidents-2020-20201201.xml.gz": Array("not gzip at all".utf8)])
        #expect(run.status != 0)
        #expect(run.output.contains("jiaojing-accidents-2020-20201201.xml.gz: named .gz but is not gzip data"))
        #expect(!FileManager.default.fileExists(atPath: run.out + "/ingest/jiaojing-accidents-2020-20201201.xml.gz/summary.json"))
        #expect(!FileManager.default.fileExists(atPath: run.out + "/bulletin.md"))
    }

    @Test(arguments: ["safety-ingest", "safety-package", "safety-indicators", "safety-merge", "safety-report", "safety-publish"])
    func helpExplainsItselfWithAnExample(tool: String) throws {
        let (status, text) = try CommandLine.run([Self.bin + "/" + tool, "--help"])
        #expect(status == 0)
        #expect(text.contains("OVERVIEW:") && text.contains("Example:") && text.contains(tool + " --pipeline"))
    }

    @Test func usageErrorsExitSixtyFour() throws {
        let (status, output) = try CommandLine.run([Self.bin + "/safety-ingest", "--no-such-option"])
        #expect(status == ExitStatus.usage.rawValue)
        #expect(output.contains("Error:") && output.contains("Usage:"))
    }
}
