import Foundation
import Testing
@testable import SafetyCore
@testable import SafetyReports

/// The bulletin model rendered through the pipeline's shipped templates.
struct BulletinTemplateTests {
    static let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/Pipelines/mingguang/templates"

    let pipeline = PipelineConfig(
        name: "t", title: "测试市", reportPeriod: "2020-YTD-10",
        campaigns: [.init(name: "百日除患铸安", start: "2020-07-20", days: 100)],
        focusSector: "道路交通运输", sectors: Build.sectors.entries, regions: Build.regions.entries)

    func bulletin(_ records: [NormalizedRecord], period: String? = nil) throws -> String {
        var periods = try pipeline.reportingPeriods()
        if let period { periods.append(try pipeline.period(named: period)) }
        var accumulator = IndicatorAccumulator(periods: periods)
        records.forEach { accumulator.add($0) }
        let text = BulletinText(table: accumulator.table(sectors: Build.sectors, regions: Build.regions), pipeline: pipeline)
        return try BulletinRenderer(directory: Self.templates).markdown(text, period: period)
    }

    @Test func campaignOfHundredDaysEndsOnTheHundredthDay() throws {
        #expect(try pipeline.period(named: "百日除患铸安").end == LocalDate(year: 2020, month: 10, day: 27))
    }

    @Test func overviewWordsFollowTheData() throws {
        let text = try bulletin([
            Build.accident("2020-02-01", deaths: 1, serious: 2), Build.accident("2020-03-01", deaths: 1),
            Build.accident("2019-02-01", deaths: 3), Build.accident("2020-04-01", sector: "建筑", deaths: 1),
        ])
        #expect(text.contains("截至10月底，全市共发生道路交通运输业事故2起，造成2人死亡、2人重伤，较上年同期，事故起数增加1起、死亡人数减少1人、重伤人数增加2人（上年同期为零）。"))
        #expect(text.contains("未发生较大以上道路交通事故，较上年同期，事故起数减少1起、死亡人数减少3人。"))
        #expect(text.contains("建筑业、商贸制造业及其他行业领域共发生生产安全事故1起，造成1人死亡，较上年同期，事故起数增加1起（上年同期为零）"))
    }

    /// The 全口径 sentence says what the full scope adds: 非生产经营性 accidents, or — when every one
    /// it adds is an accident whose department did not say — those, never 含非生产经营性事故.
    @Test func fullScopeSaysWhatItAdds() throws {
        let nonOperating = try bulletin([Build.accident("2020-02-01"), Build.accident("2020-03-01", deaths: 1, scope: .nonOperating)])
        #expect(nonOperating.contains("全口径统计，全市共发生道路交通事故2起、死亡1人（含非生产经营性事故）"))
        let unsaid = try bulletin([Build.accident("2020-02-01"), Build.accident("2020-03-01", deaths: 1, scope: .unknown)])
        #expect(unsaid.contains("全口径统计，全市共发生道路交通事故2起、死亡1人（含未注明是否属生产经营性的事故）"))
        #expect(!unsaid.contains("含非生产经营性事故"))
        let both = try bulletin([Build.accident("2020-02-01"), Build.accident("2020-03-01", scope: .unknown),
                                 Build.accident("2020-04-01", scope: .nonOperating)])
        #expect(both.contains("道路交通事故3起、死亡0人（含非生产经营性事故）"))
        #expect(both.contains("另有1起事故未注明是否属生产经营性"))
    }

    /// A pipeline of its own (no campaigns), and the table of `records` for its report period.
    static func county(_ title: String, _ records: [NormalizedRecord]) throws -> (PipelineConfig, IndicatorTable) {
        let county = PipelineConfig(name: "c", title: title, reportPeriod: "2020-YTD-10", focusSector: "道路交通运输",
                                    sectors: Build.sectors.entries, regions: Build.regions.entries)
        var accumulator = IndicatorAccumulator(periods: try county.reportingPeriods())
        records.forEach { accumulator.add($0) }
        return (county, accumulator.table(sectors: Build.sectors, regions: Build.regions))
    }

    /// A pipeline without campaigns still reports the period's own hazard and enforcement figures.
    @Test func theYearBulletinReportsThePeriodsWorkWithoutCampaigns() throws {
        let (plain, table) = try Self.county("某县", [Build.hazard("2020-03-01", rectified: "2020-03-05"), Build.hazard("2020-04-01"),
                                                    Build.enforcement("2020-05-01", .fine, fineFen: 1_000_000)])
        let text = try BulletinRenderer(directory: Self.templates).markdown(BulletinText(table: table, pipeline: plain))
        #expect(text.contains("（一）截至10月底全县安全生产工作。期间，全县各行各业共排查各类事故隐患2个、治理整顿各类事故隐患1个，整改率50.0%（1/2）"))
        #expect(text.contains("共打击各类严重违法违规行为1起，实施行政处罚罚款1万元"))
    }

    /// A pipeline without templates gets the built-in ones (the sample's), and the area word comes
    /// from the pipeline: 某县 says 全县, an `area:` says what it says.
    @Test func aPipelineWithoutTemplatesUsesTheDefaultsWithItsAreaWord() throws {
        let (countyConfig, table) = try Self.county("来安县", [Build.accident("2020-02-01", deaths: 1), Build.hazard("2020-03-01", rectified: "2020-03-02")])
        var county = countyConfig
        let renderer = try BulletinRenderer(directory: NSTemporaryDirectory() + "no-such-templates-" + UUID().uuidString)
        #expect(renderer.own.isEmpty)
        let text = try renderer.markdown(BulletinText(table: table, pipeline: county))
        #expect(text.hasPrefix("# 来安县安全生产形势通报（截至10月底）"))
        #expect(text.contains("截至10月底，全县共发生道路交通运输业事故1起") && !text.contains("全市"))
        county.area = "全区"
        #expect(try renderer.markdown(BulletinText(table: table, pipeline: county)).contains("截至10月底，全区共发生"))
        county.area = nil; county.title = "某开发区管委会"
        #expect(try renderer.markdown(BulletinText(table: table, pipeline: county)).contains("截至10月底，全市共发生"))
    }

    @Test func noAccidentsSaysSo() throws {
        let text = try bulletin([Build.accident("2019-05-01", deaths: 1)])
        #expect(text.contains("截至10月底，全市未发生道路交通运输业事故，较上年同期，事故起数减少1起、死亡人数减少1人。"))
        #expect(text.contains("继续保持稳定，未发生生产安全事故，较上年同期，事故起数持平、死亡人数持平。"))
    }

    @Test func campaignParagraphShowsRateWithCounts() throws {
        let text = try bulletin([Build.hazard("2020-08-01", rectified: "2020-08-02"), Build.hazard("2020-08-01", rectified: "2020-08-03"),
                                 Build.hazard("2020-08-01"), Build.hazard("2020-08-01", rectified: "2020-11-01"),
                                 Build.enforcement("2020-08-01", .fine, fineFen: 118_300_000), Build.enforcement("2020-08-02", .closure)])
        #expect(text.contains("排查各类事故隐患4个、治理整顿各类事故隐患2个，整改率50.0%（2/4）"))
        #expect(text.contains("共打击各类严重违法违规行为2起，其中关闭取缔企业1家，实施行政处罚罚款118.3万元"))
    }

    @Test func quarterShowsTheMonthsAndWhatRose() throws {
        let text = try bulletin([Build.accident("2020-07-03", sector: "建筑", deaths: 1), Build.accident("2020-08-09"),
                                 Build.accident("2020-08-10"), Build.accident("2019-08-01")], period: "2020Q3")
        #expect(text.hasPrefix("# 测试市安全生产形势分析（2020年第三季度）\n"))
        #expect(text.contains("| 7月 | 1 | 0 | 增加1起（上年同期为零） | 1 | 0 | 增加1人（上年同期为零） |"))
        #expect(text.contains("| 8月 | 2 | 1 | 增加1起 | 0 | 0 | 持平 |"))
        #expect(text.contains("| 9月 | 0 | 0 | 持平 | 0 | 0 | 持平 |"))
        // 建筑 rose by 1 from zero, 道路交通运输 by 1 from 1: equal increases keep the code-list order.
        #expect(text.contains("- 行业领域：道路交通运输业，事故2起，增加1起；死亡0人，持平。\n- 行业领域：建筑业，事故1起，增加1起（上年同期为零）"))
    }

    @Test func quarterWithNothingRisingSaysSo() throws {
        let text = try bulletin([Build.accident("2019-08-01")], period: "2020Q3")
        #expect(text.contains("与上年同期相比，各行业领域和乡镇（街道）事故起数均未上升。"))
        #expect(text.contains("2020年第三季度，全市未发生生产安全事故，较上年同期，事故起数减少1起、死亡人数持平。"))
        // The quarter replaces the overview's opening block: 其中, not the period phrase again.
        #expect(text.contains("\n其中，未发生道路交通运输业事故，较上年同期，事故起数减少1起、死亡人数持平。"))
    }

    @Test func monthListsSectorsHazardsAndEnforcement() throws {
        let text = try bulletin([Build.accident("2020-10-03", deaths: 2, lossFen: 1_234_500),
                                 Build.hazard("2020-10-01", rectified: "2020-10-02"), Build.hazard("2020-10-02"),
                                 Build.hazard("2020-10-05", rectified: "2020-10-06"),
                                 Build.enforcement("2020-10-08", .suspension)], period: "2020-10")
        #expect(text.hasPrefix("# 测试市安全生产形势通报（2020年10月）\n"))
        #expect(text.contains("2020年10月，全市共发生生产安全事故1起，造成2人死亡、0人重伤，直接经济损失1.2345万元，较上年同期，事故起数增加1起（上年同期为零）"))
        #expect(text.contains("- 道路交通运输业：事故1起（增加1起（上年同期为零）），死亡2人（增加2人（上年同期为零）），重伤0人（持平）。"))
        #expect(text.contains("治理整顿各类事故隐患2个，整改率66.7%（2/3）"))
        #expect(text.contains("2020年10月，共打击各类严重违法违规行为1起，其中停产整顿企业1家。"))
        #expect(text.contains("（一）“百日除患铸安”（2020年7月20日至2020年10月27日）。期间，"))
    }

    /// A sum with figures unknown is never printed as complete; with none known it says 不详, never 0.
    @Test func sumsWithUnknownFiguresSaySo() throws {
        let text = try bulletin([Build.accident("2020-10-03", deaths: 1, lossFen: 1_000_000), Build.accident("2020-10-04", lossFen: nil),
                                 Build.enforcement("2020-10-08", .fine, fineFen: 500_000), Build.enforcement("2020-10-09", .fine, fineFen: nil)],
                                period: "2020-10")
        #expect(text.contains("直接经济损失1万元（其中1起事故损失未报，未计入）"), "\(text)")
        #expect(text.contains("实施行政处罚罚款0.5万元（其中1起罚款金额未报，未计入）"), "\(text)")
        let none = try bulletin([Build.accident("2020-10-04", lossFen: nil), Build.enforcement("2020-10-09", .fine, fineFen: nil)],
                                period: "2020-10")
        #expect(none.contains("直接经济损失不详，较上年同期"), "\(none)")
        #expect(none.contains("实施行政处罚罚款（金额未报）"), "\(none)")
        #expect(!none.contains("直接经济损失0万元") && !none.contains("罚款0万元"))
    }

    /// Exports that do not reach last year, or reach this period only in part, are never worded as
    /// a change; a department that sent nothing for the period is 不详, not 未发生.
    @Test func gapsInTheExportsAreSaidNotCompared() throws {
        func render(_ coverage: [Coverage.Entry], period: String? = nil) throws -> String {
            var periods = try pipeline.reportingPeriods()
            if let period { periods.append(try pipeline.period(named: period)) }
            var accumulator = IndicatorAccumulator(periods: periods)
            [Build.hazard("2020-10-03"), Build.hazard("2019-10-03"), Build.accident("2020-10-04", deaths: 1),
             Build.accident("2019-10-04")].forEach { accumulator.add($0) }
            accumulator.coverage = Coverage(coverage)
            let table = accumulator.table(sectors: Build.sectors, regions: Build.regions,
                                          expected: [.hazard: ["测试局"], .accident: ["测试局"]])
            return try BulletinRenderer(directory: Self.templates).markdown(BulletinText(table: table, pipeline: pipeline), period: period)
        }
        func entry(_ kind: RecordKind, _ start: String, _ end: String) -> Coverage.Entry {
            Coverage.Entry(source: "测试局", kind: kind, start: Build.date(start), end: Build.date(end))
        }
        let noLastYear = try render([entry(.hazard, "2020-01-01", "2020-11-05"), entry(.accident, "2019-01-01", "2020-11-05")], period: "2020-10")
        #expect(noLastYear.contains("排查各类事故隐患1个，较上年同期无法比较（上年同期无数据）"))
        #expect(!noLastYear.contains("隐患1个，较上年同期持平"))
        #expect(noLastYear.contains("事故起数持平、死亡人数增加1人（上年同期为零）"), "accidents are covered both years")

        let noAccidents = try render([entry(.hazard, "2019-01-01", "2020-11-05"), entry(.accident, "2019-01-01", "2019-12-31")], period: "2020-10")
        #expect(noAccidents.contains("部分部门未报送本期事故数据，事故起数、死亡人数不详，不作同比。"))
        #expect(!noAccidents.contains("未发生生产安全事故"), "an unknown count is never 未发生")
        #expect(noAccidents.contains("道路交通运输业事故数据不全（部分部门未报送本期数据），起数不详。"))

        let partYear = try render([entry(.hazard, "2019-01-01", "2020-11-05"), entry(.accident, "2019-01-01", "2020-11-05")], period: "2020")
        #expect(partYear.contains("事故起数无法比较（本期数据不完整）"))
    }

    @Test func plainTextDropsMarkdownMarks() {
        let text = BulletinRenderer.plainText("# 标题\n\n| 月份 | 起数 |\n|---|---:|\n| 7月 | 1 |\n- 一项\n")
        #expect(text == "标题\n\n月份\t起数\n7月\t1\n- 一项\n")
    }

    @Test func aTemplateThatDoesNotParseNamesItsFile() throws {
        let folder = NSTemporaryDirectory() + "templates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "{{#total}}未闭合".write(toFile: folder + "/year.md.mustache", atomically: true, encoding: .utf8)
        #expect {
            try BulletinRenderer(directory: folder)
        } throws: { "\($0)".contains("year.md.mustache") }
    }

    @Test func chineseNumerals() {
        #expect(ChineseNumeral.text(2, counting: true) == "两")
        #expect(ChineseNumeral.text(2) == "二")
        #expect(ChineseNumeral.text(12) == "十二")
        #expect(ChineseNumeral.text(30) == "三十")
    }
}
