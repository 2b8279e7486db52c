import Testing
@testable import SafetyCore

struct BulletinTextTests {
    let pipeline = PipelineConfig(
        name: "t", title: "测试市", reportPeriod: "2020-YTD-10",
        campaigns: [.init(name: "百日除患铸安", start: "2020-07-20", days: 100)],
        focusSector: "道路交通运输", sectors: Build.sectors.entries, regions: Build.regions.entries)

    func bulletin(_ records: [NormalizedRecord]) throws -> String {
        var accumulator = IndicatorAccumulator(periods: try pipeline.reportingPeriods())
        records.forEach { accumulator.add($0) }
        return try BulletinText(table: accumulator.table(sectors: Build.sectors, regions: Build.regions), pipeline: pipeline).markdown()
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

    @Test func chineseNumerals() {
        #expect(ChineseNumeral.text(2, counting: true) == "两")
        #expect(ChineseNumeral.text(2) == "二")
        #expect(ChineseNumeral.text(12) == "十二")
        #expect(ChineseNumeral.text(30) == "三十")
    }
}
