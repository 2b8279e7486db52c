import Testing
@testable import SafetyCore

struct IndicatorAccumulatorTests {
    let ytd = ReportingPeriod(parsing: "2020-YTD-10")!

    /// Records counted together (many per fine cell, rolled up into their cells at the end)
    /// give the cells that adding each record alone gives: every kind, scopes, categories,
    /// sector groups, months, windows of this year, last year and the period before.
    @Test func countingRecordsTogetherEqualsAddingEachAlone() {
        let periods = ["2020-YTD-10", "2020Q2", "2020-06", "2020"].map { ReportingPeriod(parsing: $0)! }
        let groups = ["建筑": ["工矿商贸"], "商贸制造": ["工矿商贸"]]
        let sectors = ["道路交通运输", "建筑", "商贸制造", "其他"], regions = ["明光街道", "女山湖镇", "古沛镇"]
        let scopes: [AccidentScope] = [.operating, .nonOperating, .unknown]
        var records: [NormalizedRecord] = []
        for i in 0..<240 {
            let month = 1 + i % 12, day = 1 + i % 28
            let date = Build.date("\(2019 + (i / 4) % 2)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)")
            let (region, sector) = (regions[i % 3], sectors[i % 4])
            var provenance = Build.provenance(i)
            provenance.source = i % 5 == 0 ? "消防大队" : "应急管理局"
            switch i % 4 {
            case 0:
                var r = AccidentRecord(id: "A\(i)", provenance: provenance, date: date, region: region, sector: sector, deaths: i % 3,
                                       seriousInjuries: i % 2, minorInjuries: i % 7 == 0 ? nil : 1, directLossFen: Int64(i * 100),
                                       scope: scopes[i % 3])
                r.category = i % 6 == 0 ? "" : "车辆伤害"
                records.append(.accident(r))
            case 1:
                records.append(.hazard(HazardRecord(
                    id: "H\(i)", provenance: provenance, foundDate: date, region: region, sector: sector, enterprise: "某公司",
                    level: i % 9 == 0 ? .major : .general, rectifiedDate: i % 3 == 0 ? nil : date.adding(days: i % 40),
                    deadline: date.adding(days: 30), listed: i % 10 == 1, listingBatch: i % 10 == 1 ? "2020-\(i % 3)" : "")))
            case 2:
                records.append(.enforcement(EnforcementRecord(id: "E\(i)", provenance: provenance, date: date, region: region,
                                                              sector: sector, enterprise: "某公司", action: .fine,
                                                              fineFen: i % 11 == 0 ? nil : Int64(i))))
            default:
                records.append(.inspection(InspectionRecord(id: "I\(i)", provenance: provenance, date: date, region: region,
                                                            sector: sector, enterprise: "某公司", groupID: "G\(i % 13)")))
            }
        }
        var counter = CellCounter(periods: periods, sectorGroups: groups)
        records.forEach { counter.add($0) }
        let together = counter.finish()
        var alone = IndicatorAccumulator(periods: periods, sectorGroups: groups)
        records.forEach { alone.add($0) }
        #expect(together.cells.count > 150)
        #expect(together.cells == alone.cells)
        // Against the records themselves: hazards per window and region, and per window and month.
        var checked = 0
        for w in 0..<(periods.count * 3) {
            guard let window = together.window(w) else { continue }
            let inWindow = records.compactMap { record -> HazardRecord? in
                if case .hazard(let h) = record, window.contains(h.foundDate) { return h } else { return nil }
            }
            for region in regions {
                let n = Int64(inWindow.filter { $0.region == region }.count)
                #expect((together.cells[IndicatorAccumulator.Cell(window: w, breakdown: .region(region))]?.records[.hazard] ?? 0) == n)
                checked += n > 0 ? 1 : 0
            }
            if w % 3 == 0 {
                for month in 1...12 {
                    let key = "\(window.end.year)-\(month < 10 ? "0" : "")\(month)"
                    let n = Int64(inWindow.filter { $0.foundDate.month == month }.count)
                    #expect((together.cells[IndicatorAccumulator.Cell(window: w, breakdown: Breakdown(.month, key))]?.records[.hazard] ?? 0) == n)
                }
            }
        }
        #expect(checked > 10)
        let all = IndicatorAccumulator.Cell(window: 9, breakdown: .all)   // the year 2020
        #expect(together.cells[all]?.records[.hazard] == 30)
        #expect(together.cells[IndicatorAccumulator.Cell(window: 9, breakdown: Breakdown(.sectorGroup, "工矿商贸"))]?.records[.enforcement] == 30)
    }

    func table(_ records: [NormalizedRecord], periods: [ReportingPeriod]? = nil) -> IndicatorTable {
        var accumulator = IndicatorAccumulator(periods: periods ?? [ytd])
        records.forEach { accumulator.add($0) }
        return accumulator.table(sectors: Build.sectors, regions: Build.regions)
    }

    @Test func countsCurrentAndSamePeriodLastYear() throws {
        let t = table([Build.accident("2020-03-01", deaths: 1), Build.accident("2020-10-31", deaths: 2, serious: 1),
                       Build.accident("2020-11-01", deaths: 5), Build.accident("2019-05-01", deaths: 3),
                       Build.accident("2019-11-01", deaths: 7)])
        let accidents = try #require(t.row(.accidents, period: ytd.name))
        #expect(accidents.value == ExactDecimal(integer: 2))
        #expect(accidents.previousValue == ExactDecimal(integer: 1))
        #expect(accidents.change.change == ExactDecimal(integer: 1))
        #expect(accidents.change.changePercent?.fixed(1) == "100.0")
        let deaths = try #require(t.row(.deaths, period: ytd.name))
        #expect(deaths.value == ExactDecimal(integer: 3) && deaths.previousValue == ExactDecimal(integer: 3))
        #expect(t.row(.majorAccidents, period: ytd.name)?.previousValue == ExactDecimal(integer: 1))
        #expect(t.row(.majorAccidentDeaths, period: ytd.name)?.previousValue == ExactDecimal(integer: 3))
    }

    @Test func hazardRectifiedAfterPeriodEndIsNotRectifiedInIt() throws {
        let campaign = ReportingPeriod(kind: .campaign, name: "百日", start: Build.date("2020-07-20"), end: Build.date("2020-10-27"))
        let t = table([Build.hazard("2020-08-01", rectified: "2020-10-27"), Build.hazard("2020-08-01", rectified: "2020-10-28"),
                       Build.hazard("2020-08-01"), Build.hazard("2020-07-19", rectified: "2020-07-20"),
                       Build.hazard("2020-09-01", rectified: "2020-09-02", major: true, listed: true, batch: "B1")],
                      periods: [campaign])
        #expect(t.row(.hazardsIdentified, period: "百日")?.value == ExactDecimal(integer: 4))
        #expect(t.row(.hazardsRectified, period: "百日")?.value == ExactDecimal(integer: 2))
        #expect(t.row(.rectificationRate, period: "百日")?.value?.fixed(1) == "50.0")
        #expect(t.row(.majorHazardsRectified, period: "百日")?.value == ExactDecimal(integer: 1))
        #expect(t.row(.listingBatches, period: "百日")?.value == ExactDecimal(integer: 1))
    }

    @Test func zeroHazardsGiveAnEmptyRateNotNaN() throws {
        let row = try #require(table([]).row(.rectificationRate, period: ytd.name))
        #expect(row.value == nil && row.previousValue == nil)
        let v = IndicatorRow.valueColumn
        #expect(row.fields[v] == "" && row.fields[v + 3] == "")
    }

    @Test func previousZeroLeavesChangePercentEmpty() throws {
        let row = try #require(table([Build.accident("2020-02-01")]).row(.accidents, period: ytd.name))
        #expect(row.change.change == ExactDecimal(integer: 1))
        #expect(row.change.changePercent == nil)
    }

    @Test func finesAreSummedExactlyInFen() {
        let t = table([Build.enforcement("2020-05-01", .fine, fineFen: 23_950_049), Build.enforcement("2020-05-02", .fine, fineFen: 1),
                       Build.enforcement("2020-05-03", .closure)])
        #expect(t.row(.finesWanYuan, period: ytd.name)?.value?.description == "23.95005")
        #expect(t.row(.violations, period: ytd.name)?.value == ExactDecimal(integer: 3))
        #expect(t.row(.closures, period: ytd.name)?.value == ExactDecimal(integer: 1))
    }

    @Test func breakdownsBySectorAndRegion() {
        let t = table([Build.accident("2020-03-01", sector: "建筑", deaths: 1), Build.accident("2020-03-02", deaths: 1)])
        #expect(t.row(.deaths, period: ytd.name, breakdown: .sector("建筑"))?.value == ExactDecimal(integer: 1))
        #expect(t.row(.deaths, period: ytd.name, breakdown: .region("明光街道"))?.value == ExactDecimal(integer: 2))
        #expect(t.row(.drills, period: ytd.name, breakdown: .sector("建筑")) == nil)
    }

    @Test func shardsMergeToTheSingleRun() throws {
        var rng = SplitMix64(seed: 20201031)
        print("shard merge seed 20201031")
        var records: [NormalizedRecord] = []
        for i in 0..<400 {
            let day = LocalDate(dayNumber: LocalDate(year: 2019, month: 1, day: 1)!.dayNumber + Int(rng.next() % 730)).description
            switch rng.next() % 3 {
            case 0: records.append(Build.accident(day, sector: ["建筑", "道路交通运输"][Int(rng.next() % 2)], deaths: Int(rng.next() % 4), id: "A\(i)"))
            case 1: records.append(Build.hazard(day, rectified: rng.next() % 2 == 0 ? day : nil, major: rng.next() % 5 == 0))
            default: records.append(Build.enforcement(day, EnforcementAction.allCases[Int(rng.next() % 5)], fineFen: Int64(rng.next() % 100_000)))
            }
        }
        let single = table(records)
        var merged = IndicatorAccumulator(periods: [ytd])
        for shard in 0..<3 {
            var part = IndicatorAccumulator(periods: [ytd])
            for (i, record) in records.enumerated() where i % 3 == shard { part.add(record) }
            try merged.merge(part)
        }
        #expect(merged.table(sectors: Build.sectors, regions: Build.regions) == single)
    }

    @Test func rowsRoundTripThroughCSVFields() throws {
        let t = table([Build.accident("2020-03-01", deaths: 1), Build.hazard("2020-03-01", rectified: "2020-03-02")])
        for row in t.rows {
            let back = try #require(IndicatorRow(fields: row.fields))
            #expect(back.fields == row.fields)
        }
    }
}

/// A small seeded generator (SplitMix64) so property tests can print and replay their seed.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct YearOverYearWordsTests {
    @Test(arguments: [(9, 12, "减少3起"), (5, 5, "持平"), (7, 4, "增加3起"), (2, 0, "增加2起（上年同期为零）"), (0, 0, "持平")] as [(Int64, Int64, String)])
    func wordsFollowTheData(current: Int64, previous: Int64, expected: String) {
        #expect(YearOverYearChange.words(current: current, previous: previous, unit: "起") == expected)
    }

    @Test func rateChangeIsInPointsWithoutPercent() {
        let change = YearOverYearChange(current: ExactDecimal(units: 846, scale: 1), previous: ExactDecimal(units: 853, scale: 1), isRate: true)
        #expect(change.change?.fixed(1) == "-0.7")
        #expect(change.changePercent == nil)
    }
}

struct IndicatorEngineRuleTests {
    func table(_ records: [NormalizedRecord], periods: [String], groups: [String: [String]] = [:],
               relative: RelativeRules = RelativeRules()) -> IndicatorTable {
        var accumulator = IndicatorAccumulator(periods: periods.map { ReportingPeriod(parsing: $0)! }, sectorGroups: groups)
        records.forEach { accumulator.add($0) }
        return accumulator.table(sectors: Build.sectors, regions: Build.regions, relative: relative)
    }

    func hazard(_ found: String, rectified: String?, deadline: String?) -> NormalizedRecord {
        guard case .hazard(var h) = Build.hazard(found, rectified: rectified) else { fatalError() }
        h.deadline = deadline.map(Build.date)
        return .hazard(h)
    }

    @Test func onTimeAndOverdueAtThePeriodEnd() {
        let t = table([hazard("2020-03-01", rectified: "2020-03-10", deadline: "2020-03-15"),   // on time
                       hazard("2020-03-01", rectified: "2020-03-20", deadline: "2020-03-15"),   // late but rectified
                       hazard("2020-03-02", rectified: nil, deadline: "2020-03-20"),            // overdue at end of March
                       hazard("2020-03-03", rectified: nil, deadline: "2020-04-10"),            // open, not yet due
                       hazard("2020-03-04", rectified: "2020-04-02", deadline: "2020-03-25")],  // rectified after the period: overdue in it
                      periods: ["2020-03"])
        #expect(t.row(.hazardsRectifiedOnTime, period: "2020-03")?.value == ExactDecimal(integer: 1))
        #expect(t.row(.hazardsOverdue, period: "2020-03")?.value == ExactDecimal(integer: 2))
        #expect(t.row(.hazardsRectified, period: "2020-03")?.value == ExactDecimal(integer: 2))
    }

    @Test func monthsAndQuartersCompareWithThePeriodBefore() throws {
        let t = table([Build.accident("2020-03-05"), Build.accident("2020-02-05"), Build.accident("2020-02-06"),
                       Build.accident("2019-12-31"), Build.accident("2019-03-01")], periods: ["2020-03", "2020Q1", "2020"])
        let march = try #require(t.row(.accidents, period: "2020-03"))
        #expect(march.value == ExactDecimal(integer: 1) && march.priorValue == ExactDecimal(integer: 2) && march.previousValue == ExactDecimal(integer: 1))
        #expect(march.priorChange.changePercent?.fixed(1) == "-50.0")
        let q1 = try #require(t.row(.accidents, period: "2020Q1"))
        #expect(q1.value == ExactDecimal(integer: 3) && q1.priorValue == ExactDecimal(integer: 1))
        #expect(t.row(.accidents, period: "2020")?.priorValue == nil)
    }

    @Test func accidentsByGradeHasARowPerGrade() {
        let t = table([Build.accident("2020-03-05", deaths: 3), Build.accident("2020-03-06", deaths: 10),
                       Build.accident("2020-03-07", serious: 100), Build.accident("2020-03-08")], periods: ["2020"])
        for grade in SeverityGrade.allCases {
            #expect(t.row(.accidentsByGrade, period: "2020", grade: grade)?.value == ExactDecimal(integer: 1))
        }
        #expect(t.row(.majorAccidents, period: "2020")?.value == ExactDecimal(integer: 3))
    }

    @Test func breakdownsBySectorGroupSourceAndMonth() {
        let t = table([Build.accident("2020-03-05", sector: "建筑", deaths: 1), Build.accident("2020-04-05", sector: "商贸制造", deaths: 2),
                       Build.accident("2019-04-01", sector: "建筑", deaths: 4), Build.accident("2020-04-06", deaths: 8)],
                      periods: ["2020"], groups: ["建筑": ["工矿商贸"], "商贸制造": ["工矿商贸"]])
        let group = t.row(.deaths, period: "2020", breakdown: Breakdown(.sectorGroup, "工矿商贸"))
        #expect(group?.value == ExactDecimal(integer: 3) && group?.previousValue == ExactDecimal(integer: 4))
        #expect(t.row(.deaths, period: "2020", breakdown: Breakdown(.source, "测试局"))?.value == ExactDecimal(integer: 11))
        let april = t.row(.deaths, period: "2020", breakdown: Breakdown(.month, "2020-04"))
        #expect(april?.value == ExactDecimal(integer: 10) && april?.previousValue == ExactDecimal(integer: 4))
    }

    @Test func relativeIndicatorsAndMissingDenominators() {
        var reference = ReferenceData()
        reference.gdpYi[.init(year: 2020, region: "")] = ExactDecimal(units: 2843, scale: 1)
        reference.workers[.init(year: 2020, region: "")] = ExactDecimal(integer: 96_500)
        reference.vehicles[.init(year: 2020, region: "")] = ExactDecimal(integer: 141_500)
        let t = table([Build.accident("2020-03-05", deaths: 6), Build.accident("2020-04-05", sector: "建筑", deaths: 2)],
                      periods: ["2020-YTD-10"], groups: ["建筑": ["工矿商贸"]],
                      relative: RelativeRules(reference: reference, workersGroup: "工矿商贸", roadSector: "道路交通运输"))
        let gdp = t.row(.deathsPer100mGDP, period: "2020-YTD-10")
        #expect(gdp?.value?.fixed(3) == "0.028")          // 8 / 284.3
        #expect(gdp?.previousValue == nil)                // no 2019 GDP: empty, never zero
        #expect(gdp?.fields[IndicatorRow.valueColumn + 1] == "")
        #expect(t.row(.deathsPer100kWorkers, period: "2020-YTD-10")?.value?.fixed(3) == "2.073")   // 2 / 96500 × 1e5
        #expect(t.row(.roadDeathsPer10kVehicles, period: "2020-YTD-10")?.fields[IndicatorRow.valueColumn] == "0.42") // 6 / 141500 × 1e4
    }

    @Test func ratioRoundsHalfUp() {
        #expect(Rounding.ratio(1, ExactDecimal(integer: 8), multiplier: 1, places: 2)?.fixed(2) == "0.13")
        #expect(Rounding.ratio(1, ExactDecimal(integer: 0), multiplier: 1, places: 2) == nil)
    }
}

struct StatisticalScopeTests {
    func accident(_ day: String, deaths: Int, scope: AccidentScope) -> NormalizedRecord {
        guard case .accident(var a) = Build.accident(day, deaths: deaths) else { fatalError() }
        a.scope = scope
        return .accident(a)
    }

    @Test func onlyOperatingAccidentsCountUnderTheStatisticalScope() {
        var accumulator = IndicatorAccumulator(periods: [ReportingPeriod(parsing: "2020")!])
        [accident("2020-03-01", deaths: 1, scope: .operating), accident("2020-03-02", deaths: 2, scope: .nonOperating),
         accident("2020-03-03", deaths: 4, scope: .unknown), Build.hazard("2020-03-04")].forEach { accumulator.add($0) }
        let t = accumulator.table(sectors: Build.sectors, regions: Build.regions)
        #expect(t.row(.deaths, period: "2020")?.value == ExactDecimal(integer: 1))
        #expect(t.row(.deaths, period: "2020", breakdown: Breakdown.all.inFullScope)?.value == ExactDecimal(integer: 7))
        #expect(t.row(.deaths, period: "2020", breakdown: Breakdown.sector("道路交通运输").inFullScope)?.value == ExactDecimal(integer: 7))
        #expect(t.row(.accidentsScopeUnknown, period: "2020", breakdown: Breakdown.all.inFullScope)?.value == ExactDecimal(integer: 1))
        #expect(t.row(.hazardsIdentified, period: "2020", breakdown: Breakdown.all.inFullScope) == nil, "全口径 is about accidents only")
        let full = t.row(.deaths, period: "2020", breakdown: Breakdown.all.inFullScope)!
        #expect(IndicatorRow(fields: full.fields)?.breakdown == Breakdown.all.inFullScope)
    }
}

struct RoundingModeTests {
    @Test(arguments: [(RoundingMode.halfUp, "81.3", "-2.3"), (.halfEven, "81.2", "-2.2"), (.truncate, "81.2", "-2.2")])
    func modes(mode: RoundingMode, rate: String, negative: String) {
        #expect(Rounding.percent(325, of: 400, mode: mode)?.fixed(1) == rate)        // 81.25
        #expect(Rounding.percent(-9, of: 400, mode: mode)?.fixed(1) == negative)     // -2.25
    }

    @Test func halfEvenRoundsHalvesToEvenOnly() {
        #expect(Rounding.divide(35, by: 10, mode: .halfEven) == 4)
        #expect(Rounding.divide(45, by: 10, mode: .halfEven) == 4)
        #expect(Rounding.divide(46, by: 10, mode: .halfEven) == 5)
        #expect(Rounding.divide(19, by: 10, mode: .truncate) == 1)
    }

    @Test func tableUsesThePipelineMode() {
        var accumulator = IndicatorAccumulator(periods: [ReportingPeriod(parsing: "2020")!])
        for i in 1...16 {   // 5 of 16 rectified: 31.25%
            accumulator.add(Build.hazard(i < 10 ? "2020-03-0\(i)" : "2020-03-\(i)", rectified: i <= 5 ? "2020-03-20" : nil))
        }
        let up = accumulator.table(sectors: Build.sectors, regions: Build.regions, rounding: .halfUp)
        let even = accumulator.table(sectors: Build.sectors, regions: Build.regions, rounding: .halfEven)
        let down = accumulator.table(sectors: Build.sectors, regions: Build.regions, rounding: .truncate)
        #expect(up.row(.rectificationRate, period: "2020")?.value?.fixed(1) == "31.3")
        #expect(even.row(.rectificationRate, period: "2020")?.value?.fixed(1) == "31.2")
        #expect(down.row(.rectificationRate, period: "2020")?.value?.fixed(1) == "31.2")
    }
}
