import Foundation
import Testing
@testable import SafetyCore

/// The fields accident statistics are made of (issue 15): 事故类别 (GB 6441), 下落不明 and 急性工业中毒
/// graded as the rules say, time of day and enterprise.
struct AccidentStatisticsTests {
    static let mapping = """
    {"department": "应急管理局", "kind": "accident", "format": "csv", "export_date": {"constant": "2020-11-05"},
     "fields": {"id": "编号", "date": "日期", "time": "时间", "region": "乡镇", "sector": {"constant": "建筑"},
                "enterprise": "单位", "category": "类别", "deaths": "死亡", "missing": "失踪", "serious_injuries": "重伤",
                "acute_poisonings": "中毒", "minor_injuries": {"not_exported": true}, "direct_loss_wan_yuan": {"not_exported": true},
                "scope": {"constant": "operating"}}}
    """

    func map(_ values: [String: String]) throws -> Result<NormalizedRecord, Rejection> {
        let mapping = try JSONDecoder().decode(DepartmentMapping.self, from: Data(Self.mapping.utf8))
        #expect(mapping.problems().isEmpty, "\(mapping.problems())")
        let categories = CodeList(AccidentCategories.gb6441.map {
            $0.name == "高处坠落" ? CodeList.Entry(name: "高处坠落", aliases: $0.aliases + ["高空坠落"]) : $0
        })
        let mapper = RecordMapper(mapping: mapping, regions: Build.regions, sectors: Build.sectors, categories: categories)
        var row = ["编号": "A1", "日期": "2020-11-03", "时间": "", "乡镇": "明光街道", "单位": "", "类别": "", "死亡": "0", "失踪": "",
                   "重伤": "0", "中毒": ""]
        row.merge(values) { $1 }
        return mapper.map(RawRecord(position: SourcePosition(file: "f.csv", line: 2, record: 1),
                                    values: mapper.sourceKeys.map { row[$0] }), fileExportDate: Build.date("2020-11-05"))
    }

    func accident(_ values: [String: String]) throws -> AccidentRecord {
        guard case .success(.accident(let record)) = try map(values) else { throw MappingProblem("not mapped: \(values)") }
        return record
    }

    @Test func acutePoisoningCountsAsSeriousInjuryAndTheMissingAsDeathsInTheGrade() throws {
        // 1 serious injury + 9 poisoned = 10: 较大 (重伤，包括急性工业中毒, 10人以上).
        let poisoning = try accident(["重伤": "1", "中毒": "9"])
        #expect(poisoning.grade == .large && poisoning.seriousInjuries == 1 && poisoning.acutePoisonings == 9)
        #expect(try accident(["重伤": "1", "中毒": "8"]).grade == .ordinary)
        // 2 dead + 1 missing = 3: 较大 (死亡和下落不明); 9 + 1 = 10: 重大.
        #expect(try accident(["死亡": "2", "失踪": "1"]).grade == .large)
        #expect(try accident(["死亡": "9", "失踪": "1"]).grade == .major)
        #expect(try accident(["死亡": "2"]).grade == .ordinary)
        // Unknown (empty) is not zero, and adds nothing to the grade.
        let unknown = try accident(["死亡": "2"])
        #expect(unknown.missing == nil && unknown.acutePoisonings == nil)
        #expect(try accident(["失踪": "0"]).missing == 0)
        guard case .failure(let rejection) = try map(["失踪": "两"]) else { Issue.record("a word for a count is refused"); return }
        #expect(rejection.field == "missing" && rejection.reason == .notACount)
    }

    @Test func aCategoryIsReadByNameAliasOrCodeAndMayBeAbsent() throws {
        #expect(try accident(["类别": "高处坠落"]).category == "高处坠落")
        #expect(try accident(["类别": "高空坠落"]).category == "高处坠落", "a local spelling from the pipeline's list")
        #expect(try accident(["类别": "09"]).category == "高处坠落", "GB 6441 code")
        #expect(try accident(["类别": "9"]).category == "高处坠落")
        #expect(try accident(["类别": "19"]).category == "中毒和窒息")
        #expect(try accident(["类别": ""]).category == "", "no category: none guessed")
        guard case .failure(let rejection) = try map(["类别": "交通事故"]) else { Issue.record("an unknown category is refused"); return }
        #expect(rejection.field == "category" && rejection.reason.code == "unknown_code")
        #expect(AccidentCategories.gb6441.count == 20 && AccidentCategories.gb6441[19].name == "其它伤害")
    }

    @Test func timeAndEnterpriseAreKept() throws {
        for (written, time) in [("9:05", "09:05"), ("14时05分", "14:05"), ("2020-11-03 08:30", "08:30"), ("2020-11-03T23:59:30", "23:59"),
                                ("８:３０", "08:30")] {
            #expect(try accident(["时间": written]).time == time, "\(written)")
        }
        #expect(try accident(["时间": "2020-11-03"]).time == "", "a date without its time gives none")
        for bad in ["25:00", "8点", "0830", "9:60"] {
            guard case .failure(let rejection) = try map(["时间": bad]) else { Issue.record("\(bad) is no time"); continue }
            #expect(rejection.field == "time" && rejection.reason == .notATime)
        }
        let record = try accident(["单位": "明光市柳巷化工助剂厂", "时间": "08:30"])
        #expect(record.enterprise == "明光市柳巷化工助剂厂")
        let row = RecordSchema.row(.accident(record)), names = RecordSchema.fields(of: .accident).map(\.name)
        #expect(row[names.firstIndex(of: "enterprise")!] == "明光市柳巷化工助剂厂" && row[names.firstIndex(of: "time")!] == "08:30")
        #expect(row[names.firstIndex(of: "missing")!] == "" && row[names.firstIndex(of: "acute_poisonings")!] == "")
    }

    @Test func categoriesBreakDownTheAccidentsWithTheUnnamedUnderBuXiang() throws {
        let ytd = ReportingPeriod(parsing: "2020-YTD-10")!
        var falls = AccidentRecord(id: "1", provenance: Build.provenance(), date: Build.date("2020-03-01"), region: "明光街道",
                                   sector: "建筑", deaths: 1, seriousInjuries: 0, minorInjuries: 0, directLossFen: 0)
        falls.category = "高处坠落"
        falls.missing = 1
        var poisoning = falls
        poisoning.category = "中毒和窒息"; poisoning.deaths = 0; poisoning.missing = 0; poisoning.acutePoisonings = 9; poisoning.seriousInjuries = 1
        let unnamed = Build.accident("2020-05-01", deaths: 2)
        var accumulator = IndicatorAccumulator(periods: [ytd])
        [.accident(falls), .accident(poisoning), unnamed, .accident(falls)].forEach { accumulator.add($0) }
        let table = accumulator.table(sectors: Build.sectors, regions: Build.regions)
        func value(_ code: IndicatorCode, _ category: String?) -> ExactDecimal? {
            table.row(code, period: ytd.name, breakdown: category.map { Breakdown(.category, $0) } ?? .all)?.value
        }
        #expect(value(.accidents, "高处坠落") == ExactDecimal(integer: 2) && value(.deaths, "高处坠落") == ExactDecimal(integer: 2))
        #expect(value(.accidents, "中毒和窒息") == ExactDecimal(integer: 1) && value(.acutePoisonings, "中毒和窒息") == ExactDecimal(integer: 9))
        #expect(value(.accidents, "不详") == ExactDecimal(integer: 1), "an accident without a category is counted as 不详")
        #expect(value(.accidents, nil) == ExactDecimal(integer: 4))
        // The missing: known for three accidents, unknown for one; the sum says so and is never compared.
        let missing = try #require(table.row(.missing, period: ytd.name))
        #expect(missing.value == ExactDecimal(integer: 2) && missing.unknownRecords == 1)
        #expect(value(.deathsAndMissing, nil) == ExactDecimal(integer: 6))
        #expect(value(.missing, "不详") == nil, "every figure unknown: empty, not 0")
        #expect(value(.seriousInjuriesAndPoisonings, "中毒和窒息") == ExactDecimal(integer: 10))
        #expect(table.row(.accidentsByGrade, period: ytd.name, breakdown: .all, grade: .large)?.value == ExactDecimal(integer: 1),
                "the poisoning (1 + 9) is 较大")
        // The category column of indicators.csv.
        let row = try #require(table.row(.accidents, period: ytd.name, breakdown: Breakdown(.category, "高处坠落")))
        #expect(row.fields[IndicatorRow.columns.firstIndex(of: "category")!] == "高处坠落")
    }

    @Test func aPipelineMayListItsOwnSpellingsButNotTwoCategoriesForOne() throws {
        var config = PipelineConfig(name: "t", title: "来安县", reportPeriod: "2020", focusSector: "建筑",
                                    sectors: [.init(name: "建筑")], regions: [.init(name: "新安镇")], exports: [])
        #expect(config.categoryList.canonical("09") == "高处坠落", "GB 6441 by default")
        config.accidentCategories = [.init(name: "高处坠落", aliases: ["坠落"]), .init(name: "物体打击", aliases: ["坠落"])]
        #expect(config.problems().contains { $0.contains("\"坠落\" names both 高处坠落 and 物体打击") })
        config.accidentCategories = [.init(name: "不详")]
        #expect(config.problems().contains { $0.contains("不详") })
    }
}
