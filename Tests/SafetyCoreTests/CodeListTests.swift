import Testing
@testable import SafetyCore

struct CodeListTests {
    let sectors = CodeList([
        .init(name: "道路交通运输", codes: ["54"]),
        .init(name: "商贸制造", codes: ["C", "13-43", "F", "51-52"]),
        .init(name: "建筑", codes: ["E", "47-50", "2011:4990"]),
        .init(name: "其他", codes: ["G", "53-60"]),
    ])
    let regions = CodeList([.init(name: "女山湖镇", aliases: ["女山湖"], codes: ["341182100000"]),
                            .init(name: "明光街道", codes: ["341182001000"])])

    @Test(arguments: [("G5411", "道路交通运输"), ("5411", "道路交通运输"), ("G5720", "其他"), ("G", "其他"), ("C3311", "商贸制造"),
                      ("E4790", "建筑"), ("e", "建筑"), ("５１２３", "商贸制造")])
    func industryCodesMapToSectors(code: String, sector: String) {
        #expect(sectors.name(forCode: code, scheme: .industry(edition: "2017")) == sector)
    }

    @Test func unclaimedIndustryCodesAreNotGuessed() {
        #expect(sectors.name(forCode: "A0141", scheme: .industry(edition: "2017")) == nil)
        #expect(sectors.name(forCode: "X", scheme: .industry(edition: "2017")) == nil)
        #expect(sectors.name(forCode: "not a code", scheme: .industry(edition: "2017")) == nil)
    }

    @Test func editionSpecificCodes() {
        let narrow = CodeList([.init(name: "建筑", codes: ["2011:4990"]), .init(name: "其他", codes: ["49"])])
        #expect(narrow.name(forCode: "4990", scheme: .industry(edition: "2011")) == "建筑")
        #expect(narrow.name(forCode: "4990", scheme: .industry(edition: "2017")) == "其他")
    }

    @Test func divisionCodesIgnoreTrailingZeroPadding() {
        #expect(regions.name(forCode: "341182100000", scheme: .division) == "女山湖镇")
        #expect(regions.name(forCode: "341182100", scheme: .division) == "女山湖镇")
        #expect(regions.name(forCode: "341182001", scheme: .division) == "明光街道")
        #expect(regions.name(forCode: "341182", scheme: .division) == nil)
        #expect(regions.name(forCode: "34118210000X", scheme: .division) == nil)
    }

    @Test func schemesParseFromMappingText() {
        #expect(CodeScheme("gbt4754-2011") == .industry(edition: "2011"))
        #expect(CodeScheme("GBT2260") == .division)
        #expect(CodeScheme("iso3166") == nil)
    }
}

struct HazardSummaryTests {
    func read(_ values: [String: String]) -> Result<NormalizedRecord, Rejection> {
        var base = ["id": "HZ-1", "source": "安委办", "export_date": "2020-11-05", "period_start": "2020-07-20",
                    "period_end": "2020-10-27", "region": "明光街道", "identified": "494", "rectified": "418", "stated_rate": "84.6%"]
        base.merge(values) { $1 }
        var reader = FieldReader(position: SourcePosition(file: "s.csv", line: 3, record: 2), regions: Build.regions) { base[$0] }
        return RecordSchema.read(.hazardSummary, from: &reader, position: reader.position)
    }

    @Test(arguments: ["84.6%", "84.6", "84.6％", "84.6﹪", "84.5", "84.7", "84.62"])
    func ratesWithinATenthOfAPointAreAccepted(rate: String) {
        guard case .success = read(["stated_rate": rate]) else { Issue.record("rejected \(rate)"); return }
    }

    @Test(arguments: ["84.4", "84.8", "96.0%", "8.46"])
    func ratesThatDisagreeWithTheirCountsAreRejected(rate: String) {
        guard case .failure(let rejection) = read(["stated_rate": rate]) else { Issue.record("accepted \(rate)"); return }
        #expect(rejection.reason == .rateDisagrees(computed: ExactDecimal(units: 846, scale: 1), rectified: 418, identified: 494))
        #expect(rejection.message.contains("418/494 = 84.6%"))
    }

    @Test func moreRectifiedThanIdentifiedIsRejected() {
        guard case .failure(let rejection) = read(["identified": "100", "rectified": "120", "stated_rate": "120%"]) else {
            Issue.record("accepted 120/100"); return
        }
        #expect(rejection.reason == .rectifiedExceedsIdentified(identified: 100))
        #expect(rejection.field == "rectified")
    }

    @Test func nothingIdentifiedNeedsNoRate() throws {
        guard case .success(.hazardSummary(let summary)) = read(["identified": "0", "rectified": "0", "stated_rate": ""]) else {
            Issue.record("rejected 0/0 without a rate"); return
        }
        #expect(summary.statedRate == nil)
        var row = StringRow()
        RecordSchema.write(.hazardSummary(summary), to: &row)
        let column = try #require(RecordSchema.fields(of: .hazardSummary).firstIndex { $0.name == "stated_rate" })
        #expect(row.fields[column] == "")
        // A rate is still required wherever something was identified.
        guard case .failure(let missing) = read(["stated_rate": ""]) else { Issue.record("accepted 418/494 without a rate"); return }
        #expect(missing.reason == .missing && missing.field == "stated_rate")
    }

    /// A summary kept by department (部门, 排查数, 整改数, 整改率): the department is its key, no
    /// region needed; a row giving both, or neither, is rejected.
    @Test func aSummaryRowMaySumUpADepartment() throws {
        guard case .success(.hazardSummary(let summary)) = read(["region": "", "department": "住建局"]) else {
            Issue.record("rejected a department's row"); return
        }
        #expect(summary.department == "住建局" && summary.region.isEmpty)
        var row = StringRow()
        RecordSchema.write(.hazardSummary(summary), to: &row)
        let column = try #require(RecordSchema.fields(of: .hazardSummary).firstIndex { $0.name == "department" })
        #expect(row.fields[column] == "住建局")
        guard case .failure(let both) = read(["department": "住建局"]) else { Issue.record("accepted region and department"); return }
        #expect(both.field == "department")
        guard case .failure(let neither) = read(["region": ""]) else { Issue.record("accepted neither"); return }
        #expect(neither.field == "region" && neither.reason == .missing)
    }

    @Test func summariesAreNeverCounted() {
        var accumulator = IndicatorAccumulator(periods: [ReportingPeriod(parsing: "2020")!])
        if case .success(let record) = read([:]) { accumulator.add(record) }
        #expect(accumulator.cells.isEmpty)
    }
}
