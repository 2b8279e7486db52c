import Testing
@testable import SafetyCore

/// What the exports cover decides what a figure is: a period a department sent nothing for is
/// empty, a period covered in part is not compared, and a last year not covered is no data —
/// never 0 and never a change against 0.
struct CoverageTests {
    let ytd = ReportingPeriod(parsing: "2020-YTD-10")!
    let year = ReportingPeriod(parsing: "2020")!

    func entry(_ source: String, _ start: String?, _ end: String?, kind: RecordKind = .hazard) -> Coverage.Entry {
        Coverage.Entry(source: source, kind: kind, start: start.map(Build.date), end: end.map(Build.date))
    }

    @Test func statesFollowTheDaysCovered() {
        let c = Coverage([entry("甲", "2019-01-01", "2019-06-30"), entry("甲", "2019-07-01", "2020-11-05"), entry("乙", "2020-01-01", nil)])
        let d = Build.date
        // Adjacent spans join: 甲 covers 2019 whole.
        #expect(c.state(of: .hazard, from: d("2019-01-01"), to: d("2019-12-31"), sources: ["甲"]) == .full)
        #expect(c.state(of: .hazard, from: d("2019-01-01"), to: d("2019-12-31"), sources: ["甲", "乙"]) == .none(sources: ["乙"]))
        #expect(c.state(of: .hazard, from: d("2020-01-01"), to: d("2020-12-31"), sources: ["甲", "乙"]) == .partial(sources: ["甲"]))
        #expect(c.state(of: .hazard, from: d("2030-01-01"), to: d("2030-12-31"), sources: ["乙"]) == .full, "no end: open")
        #expect(c.state(of: .accident, from: d("2020-01-01"), to: d("2020-01-31"), sources: ["甲"]) == .none(sources: ["甲"]))
        // A gap between two spans is not covered.
        let gap = Coverage([entry("甲", "2019-01-01", "2019-03-31"), entry("甲", "2019-05-01", "2019-12-31")])
        #expect(gap.state(of: .hazard, from: d("2019-01-01"), to: d("2019-12-31"), sources: ["甲"]) == .partial(sources: ["甲"]))
    }

    func table(_ records: [NormalizedRecord], coverage: [Coverage.Entry], periods: [ReportingPeriod]? = nil,
               expected: [RecordKind: [String]] = [.hazard: ["测试局", "住建局"]]) -> IndicatorTable {
        var accumulator = IndicatorAccumulator(periods: periods ?? [ytd])
        records.forEach { accumulator.add($0) }
        accumulator.coverage = Coverage(coverage)
        return accumulator.table(sectors: Build.sectors, regions: Build.regions, expected: expected)
    }

    @Test func lastYearNotCoveredIsNoDataNotZero() throws {
        // 住建局 sent 2020 only: last year's hazards are not known, whatever 测试局 sent.
        let t = table([Build.hazard("2020-03-01"), Build.hazard("2020-04-01"), Build.hazard("2019-03-01")],
                      coverage: [entry("测试局", "2019-01-01", "2020-11-05"), entry("住建局", "2020-01-01", "2020-11-05")])
        let row = try #require(t.row(.hazardsIdentified, period: ytd.name))
        #expect(row.value == ExactDecimal(integer: 2))
        #expect(row.previousValue == nil && row.change.change == nil && row.change.changePercent == nil)
        // A department's own row asks only its own exports.
        let own = try #require(t.row(.hazardsIdentified, period: ytd.name, breakdown: Breakdown(.source, "测试局")))
        #expect(own.previousValue == ExactDecimal(integer: 1) && own.change.change == ExactDecimal(integer: 1))
    }

    @Test func aDepartmentThatSentNothingForThePeriodLeavesItEmpty() throws {
        let t = table([Build.hazard("2020-03-01"), Build.hazard("2019-03-01")],
                      coverage: [entry("测试局", "2019-01-01", "2020-11-05"), entry("住建局", "2019-01-01", "2019-12-31")])
        let row = try #require(t.row(.hazardsIdentified, period: ytd.name))
        #expect(row.value == nil, "住建局 sent nothing for 2020: the total is not known")
        #expect(row.previousValue == ExactDecimal(integer: 1) && row.change.change == nil)
    }

    @Test func aPeriodCoveredInPartKeepsItsValueButIsNotCompared() throws {
        let t = table([Build.hazard("2020-03-01"), Build.hazard("2019-03-01"), Build.hazard("2019-12-01")],
                      coverage: [entry("测试局", "2019-01-01", "2020-11-05")], periods: [year], expected: [.hazard: ["测试局"]])
        let row = try #require(t.row(.hazardsIdentified, period: year.name))
        #expect(row.value == ExactDecimal(integer: 1) && row.previousValue == ExactDecimal(integer: 2))
        #expect(row.change.change == nil, "January to 5 November against a whole year is not a fall")
        // Written and read back, the row stays not comparable.
        let back = try #require(IndicatorRow(fields: row.fields))
        #expect(back.fields == row.fields && back.change.change == nil)
    }

    @Test func fullyCoveredOrUndeclaredCoverageComparesAsBefore() throws {
        let records = [Build.hazard("2020-03-01"), Build.hazard("2020-04-01"), Build.hazard("2019-03-01")]
        for t in [table(records, coverage: [entry("测试局", "2019-01-01", "2020-11-05")], expected: [.hazard: ["测试局"]]),
                  table(records, coverage: [])] {
            let row = try #require(t.row(.hazardsIdentified, period: ytd.name))
            #expect(row.previousValue == ExactDecimal(integer: 1) && row.change.change == ExactDecimal(integer: 1))
        }
    }

    @Test func coverageIsMergedWithPartials() throws {
        var a = IndicatorAccumulator(periods: [ytd]), b = IndicatorAccumulator(periods: [ytd])
        a.coverage = Coverage([entry("测试局", "2019-01-01", "2019-12-31")])
        b.coverage = Coverage([entry("测试局", "2020-01-01", "2020-11-05")])
        try a.merge(b)
        #expect(a.coverage.state(of: .hazard, from: Build.date("2019-01-01"), to: Build.date("2020-10-31"), sources: ["测试局"]) == .full)
    }

    @Test func exportRulesSayWhatAFileCovers() throws {
        let byYear = PipelineConfig.CoverageRule(year: "-(\\d{4})-\\d{8}", from: nil)
        let span = try byYear.span(fileName: "zhujian-hazards-2020-20201105.csv")
        #expect(span.start == Build.date("2020-01-01") && span.end == Build.date("2020-12-31"))
        #expect(throws: MappingProblem.self) { try byYear.span(fileName: "zhujian-hazards.csv") }
        #expect(throws: MappingProblem.self) { try PipelineConfig.CoverageRule(year: "(", from: nil).span(fileName: "x-2020-1.csv") }
        let from = try PipelineConfig.CoverageRule(year: nil, from: "2019-01-01").span(fileName: "any.csv")
        #expect(from.start == Build.date("2019-01-01") && from.end == nil)
    }
}
