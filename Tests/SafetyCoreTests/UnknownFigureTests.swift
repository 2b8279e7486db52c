import Testing
@testable import SafetyCore

/// Unknown is not zero: a figure a department left empty or does not export stays unknown in the
/// common format, is left out of sums with a count beside them, and is never compared as 0.
struct UnknownFigureTests {
    let ytd = ReportingPeriod(parsing: "2020-YTD-10")!

    func table(_ records: [NormalizedRecord]) -> IndicatorTable {
        var accumulator = IndicatorAccumulator(periods: [ytd])
        records.forEach { accumulator.add($0) }
        return accumulator.table(sectors: Build.sectors, regions: Build.regions)
    }

    @Test func sumsHoldTheKnownValuesAndCountTheUnknown() throws {
        let t = table([Build.accident("2020-03-01", lossFen: 1_000_000), Build.accident("2020-04-01", lossFen: nil, minor: nil),
                       Build.accident("2019-03-01", lossFen: 500_000)])
        let loss = try #require(t.row(.directLossWanYuan, period: ytd.name))
        #expect(loss.value?.description == "1" && loss.unknownRecords == 1 && loss.previousUnknownRecords == 0)
        #expect(loss.change.change == nil, "a sum missing a record's loss is not compared")
        let minor = try #require(t.row(.minorInjuries, period: ytd.name))
        #expect(minor.value == ExactDecimal(integer: 0) && minor.unknownRecords == 1)
        // Indicators that are never unknown keep their change.
        #expect(t.row(.accidents, period: ytd.name)?.change.change == ExactDecimal(integer: 1))
    }

    @Test func aSumWithEveryFigureUnknownIsEmptyNotZero() throws {
        let t = table([Build.accident("2020-03-01", lossFen: nil), Build.accident("2019-03-01", lossFen: 500_000),
                       Build.enforcement("2020-05-01", .fine, fineFen: nil)])
        let loss = try #require(t.row(.directLossWanYuan, period: ytd.name))
        #expect(loss.value == nil && loss.unknownRecords == 1)
        #expect(loss.change.change == nil && loss.change.changePercent == nil)
        #expect(t.row(.finesWanYuan, period: ytd.name)?.value == nil)
        let v = IndicatorRow.valueColumn
        #expect(loss.fields[v] == "" && loss.fields[v + 8] == "1" && loss.fields[v + 9] == "0")
    }

    @Test func theUnknownLastYearLeavesTheChangeEmptyToo() throws {
        let t = table([Build.accident("2020-03-01", lossFen: 100), Build.accident("2019-03-01", lossFen: nil)])
        let loss = try #require(t.row(.directLossWanYuan, period: ytd.name))
        #expect(loss.previousValue == nil && loss.previousUnknownRecords == 1 && loss.change.change == nil)
    }

    @Test func rowsWithUnknownsReadBackExactly() throws {
        let t = table([Build.accident("2020-03-01", lossFen: 1_000_000), Build.accident("2020-04-01", lossFen: nil),
                       Build.accident("2019-03-01", lossFen: nil)])
        for row in t.rows {
            let back = try #require(IndicatorRow(fields: row.fields))
            #expect(back.fields == row.fields && back.unknownRecords == row.unknownRecords)
            #expect(back.previousUnknownRecords == row.previousUnknownRecords)
        }
        // Only the sums that can be unknown carry the counts.
        #expect(t.row(.deaths, period: ytd.name)?.fields.suffix(3) == ["", "", ""])
    }

    @Test func aClosureWithoutAFineImposedNoneAFineWithoutAnAmountIsUnknown() {
        var values = ["id": "E-1", "source": "市场监管局", "export_date": "2020-11-05", "date": "2020-05-01", "region": "明光街道",
                      "sector": "建筑", "enterprise": "某公司", "action": "closure", "fine_yuan": ""]
        func read() -> EnforcementRecord? {
            var reader = FieldReader(position: SourcePosition(file: "e.csv", line: 2, record: 1), regions: Build.regions,
                                     sectors: Build.sectors) { values[$0] }
            guard case .success(.enforcement(let e)) = RecordSchema.read(.enforcement, from: &reader, position: reader.position) else { return nil }
            return e
        }
        #expect(read()?.fineFen == 0)
        values["action"] = "fine"
        #expect(read() != nil && read()?.fineFen == nil)
        var row = StringRow()
        RecordSchema.write(.enforcement(read()!), to: &row)
        let column = RecordSchema.fields(of: .enforcement).firstIndex { $0.name == "fine_yuan" }!
        #expect(row.fields[column] == "", "written empty, never 0")
    }

    @Test func anEmptyLossIsUnknownAndGradesByCasualties() throws {
        var values = ["id": "A-1", "source": "应急管理局", "export_date": "2020-11-05", "date": "2020-05-01", "region": "明光街道",
                      "sector": "建筑", "deaths": "3", "serious_injuries": "0", "minor_injuries": "", "direct_loss_wan_yuan": ""]
        var reader = FieldReader(position: SourcePosition(file: "a.csv", line: 2, record: 1), regions: Build.regions,
                                 sectors: Build.sectors) { values[$0] }
        guard case .success(.accident(let a)) = RecordSchema.read(.accident, from: &reader, position: reader.position) else {
            Issue.record("rejected"); return
        }
        #expect(a.directLossFen == nil && a.minorInjuries == nil)
        #expect(a.grade == .large)
        values["minor_injuries"] = "两"
        var bad = FieldReader(position: reader.position, regions: Build.regions, sectors: Build.sectors) { values[$0] }
        guard case .failure(let rejection) = RecordSchema.read(.accident, from: &bad, position: bad.position) else {
            Issue.record("accepted 两"); return
        }
        #expect(rejection.reason == .notACount)
    }
}

struct NotExportedTests {
    func problems(_ fields: String) throws -> [String] {
        try RecordMapperTests.mapping("""
        {"department": "消防大队", "kind": "accident", "format": "csv", "export_date": {"constant": "2020-11-05"},
         "fields": {"id": "编号", "date": "日期", "region": "乡镇", "sector": {"constant": "其他"}, "deaths": "死亡",
                    "serious_injuries": "受伤", \(fields)}}
        """).problems()
    }

    @Test func aFigureTheDepartmentDoesNotExportIsSaidSo() throws {
        #expect(try problems(#""minor_injuries": {"not_exported": true}, "direct_loss_wan_yuan": "损失""#).isEmpty)
        let missing = try problems(#""direct_loss_wan_yuan": "损失""#)
        #expect(missing.contains { $0.contains("minor_injuries") && $0.contains("not_exported") }, "\(missing)")
        let required = try problems(#""minor_injuries": "轻伤", "direct_loss_wan_yuan": "损失", "enterprise": {"not_exported": true}"#)
        #expect(required.contains { $0.contains("\"enterprise\" cannot be not_exported") }, "\(required)")
        let both = try problems(#""minor_injuries": {"not_exported": true, "constant": "0"}, "direct_loss_wan_yuan": "损失""#)
        #expect(both.contains { $0.contains("takes neither from nor constant") }, "\(both)")
    }

    @Test func aNotExportedFigureIsUnknownInEveryRecord() throws {
        let mapping = try RecordMapperTests.mapping("""
        {"department": "消防大队", "kind": "accident", "format": "csv", "export_date": {"constant": "2020-11-05"},
         "fields": {"id": "编号", "date": "日期", "region": "乡镇", "sector": {"constant": "其他"}, "deaths": "死亡",
                    "serious_injuries": "受伤", "minor_injuries": {"not_exported": true}, "direct_loss_wan_yuan": "损失"}}
        """)
        let mapper = RecordMapper(mapping: mapping, regions: Build.regions, sectors: Build.sectors)
        let values = ["编号": "F1", "日期": "2020-05-01", "乡镇": "明光街道", "死亡": "0", "受伤": "1", "损失": "2"]
        let raw = RawRecord(position: SourcePosition(file: "f.csv", line: 2, record: 1), values: mapper.sourceKeys.map { values[$0] })
        let result = mapper.map(raw, fileExportDate: LocalDate(year: 2020, month: 11, day: 5))
        guard case .success(.accident(let a)) = result else { Issue.record("rejected: \(result)"); return }
        #expect(a.minorInjuries == nil && a.directLossFen == 2_000_000)
    }
}
