import Foundation
import Testing
@testable import SafetyCore

struct RecordMapperTests {
    static func mapping(_ json: String) throws -> DepartmentMapping {
        try JSONDecoder().decode(DepartmentMapping.self, from: Data(json.utf8))
    }

    static let enforcement = """
    {"department": "市场监管局", "kind": "enforcement", "format": "csv", "export_date": {"column": "导出日期"},
     "fields": {"id": "编号", "date": "日期", "region": "乡镇", "sector": {"constant": "商贸"}, "enterprise": "当事人",
                "action": {"from": "措施", "values": {"罚款": "fine", "关闭取缔": "closure"}},
                "fine_yuan": {"from": "罚款(万元)", "unit": "万元"}}}
    """

    func map(_ values: [String: String], mapping: DepartmentMapping) -> Result<NormalizedRecord, Rejection> {
        let mapper = RecordMapper(mapping: mapping, regions: Build.regions, sectors: CodeList([.init(name: "商贸制造", aliases: ["商贸"])]))
        let raw = RawRecord(position: SourcePosition(file: "f.csv", line: 7, record: 6), values: mapper.sourceKeys.map { values[$0] })
        return mapper.map(raw, fileExportDate: nil)
    }

    @Test func mapsColumnsConstantsValueMapsAndUnits() throws {
        let mapping = try Self.mapping(Self.enforcement)
        #expect(mapping.problems().isEmpty)
        let result = map(["编号": "SJ-1", "日期": "2020年8月3日", "乡镇": " 女山湖 ", "当事人": "某公司", "措施": "罚款",
                          "罚款(万元)": "0.07", "导出日期": "2020/11/05"], mapping: mapping)
        guard case .success(.enforcement(let record)) = result else { Issue.record("not mapped: \(result)"); return }
        #expect(record.region == "女山湖镇")
        #expect(record.sector == "商贸制造")
        #expect(record.action == .fine)
        #expect(record.fineFen == 70_000)
        #expect(record.date == LocalDate(year: 2020, month: 8, day: 3))
        #expect(record.provenance.exportDate == LocalDate(year: 2020, month: 11, day: 5))
        #expect(record.provenance.source == "市场监管局")
        #expect(record.provenance.position.line == 7)
    }

    @Test(arguments: [("措施", "警告", "action", "unknown_value"), ("乡镇", "火星镇", "region", "unknown_code"),
                      ("日期", "2020-02-30", "date", "impossible_date"), ("罚款(万元)", "1,2O", "fine_yuan", "not_an_amount"),
                      ("编号", "", "id", "missing"), ("导出日期", "soon", "export_date", "not_a_date")])
    func rejectsNamingFieldAndReason(column: String, value: String, field: String, code: String) throws {
        var values = ["编号": "SJ-1", "日期": "2020-08-03", "乡镇": "明光街道", "当事人": "某公司", "措施": "罚款",
                      "罚款(万元)": "1", "导出日期": "2020-11-05"]
        values[column] = value
        let result = map(values, mapping: try Self.mapping(Self.enforcement))
        guard case .failure(let rejection) = result else { Issue.record("accepted \(value)"); return }
        #expect(rejection.field == field)
        #expect(rejection.value == value)
        #expect(rejection.reason.code == code)
        #expect(rejection.message.hasPrefix("f.csv:7: field \"\(field)\""))
    }

    @Test func problemsNameMissingAndUnknownFields() throws {
        let mapping = try Self.mapping("""
        {"department": "x", "kind": "hazard", "format": "xml", "export_date": {},
         "fields": {"id": "a", "found_date": "b", "deaths": "c"}}
        """)
        let problems = mapping.problems().joined(separator: "\n")
        #expect(problems.contains("field \"deaths\" is not a hazard field"))
        #expect(problems.contains("required field \"region\" has no rule"))
        #expect(problems.contains("export_date needs exactly one of"))
        #expect(problems.contains("format xml needs an xml section"))
    }

    @Test func exportDateFromFileName() throws {
        let rule = DepartmentMapping.ExportDateRule(column: nil, constant: nil, fileNamePattern: "-(\\d{8})\\.csv")
        #expect(try rule.fileDate(fileName: "yingji-hazards-2020-20201105.csv") == LocalDate(year: 2020, month: 11, day: 5))
        #expect(throws: MappingProblem.self) { try rule.fileDate(fileName: "hazards.csv") }
    }

    @Test func hazardRectifiedBeforeFoundIsRejected() throws {
        let mapping = try Self.mapping("""
        {"department": "x", "kind": "hazard", "format": "csv", "export_date": {"constant": "2020-11-05"},
         "fields": {"id": "id", "found_date": "found", "region": "r", "sector": {"constant": "建筑"}, "enterprise": "e",
                    "level": {"constant": "一般"}, "rectified_date": "fixed", "listed": {"constant": "否"}}}
        """)
        let mapper = RecordMapper(mapping: mapping, regions: Build.regions, sectors: Build.sectors)
        let raw = RawRecord(position: SourcePosition(file: "h.csv", line: 2, record: 1),
                            values: mapper.sourceKeys.map { ["id": "1", "found": "2020-08-15", "r": "明光街道", "e": "E", "fixed": "2020/08/01"][$0] })
        guard case .failure(let rejection) = mapper.map(raw, fileExportDate: LocalDate(year: 2020, month: 11, day: 5)) else {
            Issue.record("accepted"); return
        }
        #expect(rejection.reason == .rectifiedBeforeFound(found: LocalDate(year: 2020, month: 8, day: 15)!))
        #expect(rejection.value == "2020/08/01")
    }
}

struct HazardStatusAndSerialTests {
    static let mapping = """
    {"department": "x", "kind": "hazard", "format": "csv", "export_date": {"constant": "2020-11-05"},
     "fields": {"id": "id", "found_date": {"from": "found", "excel_serial_dates": true}, "region": "r",
                "sector": {"constant": "建筑"}, "enterprise": "e", "level": {"constant": "一般"},
                "rectified_date": "fixed", "listed": {"constant": "否"},
                "status": {"from": "s", "values": {"已整改": "rectified", "整改中": "open"}}}}
    """

    func map(_ values: [String: String]) throws -> Result<NormalizedRecord, Rejection> {
        let mapping = try RecordMapperTests.mapping(Self.mapping)
        #expect(mapping.problems().isEmpty, "\(mapping.problems())")
        let mapper = RecordMapper(mapping: mapping, regions: Build.regions, sectors: Build.sectors)
        let all = ["id": "1", "found": "44135", "r": "明光街道", "e": "E", "fixed": "", "s": "整改中"].merging(values) { $1 }
        return mapper.map(RawRecord(position: SourcePosition(file: "h.csv", line: 2, record: 1), values: mapper.sourceKeys.map { all[$0] }),
                          fileExportDate: LocalDate(year: 2020, month: 11, day: 5))
    }

    @Test func excelSerialBecomesADate() throws {
        guard case .success(.hazard(let h)) = try map([:]) else { Issue.record("rejected"); return }
        #expect(h.foundDate == LocalDate(year: 2020, month: 10, day: 31))
    }

    @Test func rectifiedWithoutADateIsRejected() throws {
        guard case .failure(let rejection) = try map(["s": "已整改"]) else { Issue.record("accepted"); return }
        #expect(rejection.reason == .rectifiedWithoutDate)
        guard case .success = try map(["s": "已整改", "fixed": "2020-11-01"]) else { Issue.record("rejected a dated one"); return }
    }

    @Test func idsAndCodesExcelTurnedIntoScientificNotationAreRejected() throws {
        guard case .failure(let id) = try map(["id": "3.41182E+17"]) else { Issue.record("accepted a mangled id"); return }
        #expect(id.reason == .excelScientific && id.field == "id")
        #expect(id.reason.code == "excel_scientific_notation" && id.message.contains("Excel"))
        guard case .failure(let region) = try map(["r": "3.41E+11"]) else { Issue.record("accepted a mangled code"); return }
        #expect(region.reason == .excelScientific && region.field == "region")
        guard case .success = try map(["id": "YH-2E5"]) else { Issue.record("rejected an id with an E in it"); return }
    }

    @Test func openWithARectificationDateIsRejected() throws {
        guard case .failure(let rejection) = try map(["s": "整改中", "fixed": "2020-11-01"]) else { Issue.record("accepted"); return }
        #expect(rejection.reason == .dateButOpen)
        #expect(rejection.field == "rectified_date" && rejection.value == "2020-11-01")
        guard case .success = try map(["s": "整改中"]) else { Issue.record("rejected an open one without a date"); return }
    }

    @Test func unknownStatusAndTheQuirkDayAreRejected() throws {
        guard case .failure(let status) = try map(["s": "待定"]) else { Issue.record("accepted"); return }
        #expect(status.reason.code == "unknown_value")
        // 60 (Excel's 1900-02-29) is no plausible serial in a text column: refused as no date.
        guard case .failure(let day) = try map(["found": "60"]) else { Issue.record("accepted 1900-02-29"); return }
        #expect(day.reason == .notADate)
    }

    @Test func textShapedLikeADateIsReadAsADateNotASerial() throws {
        guard case .success(.hazard(let dotted)) = try map(["found": "2020.10.31"]) else { Issue.record("rejected 2020.10.31"); return }
        #expect(dotted.foundDate == LocalDate(year: 2020, month: 10, day: 31))
        guard case .success(.hazard(let compact)) = try map(["found": "20201031"]) else { Issue.record("rejected 20201031"); return }
        #expect(compact.foundDate == LocalDate(year: 2020, month: 10, day: 31))
        // A year alone, or year.month, is neither a date nor a plausible serial (not 1905-07-12).
        for text in ["2020", "2020.10"] {
            guard case .failure(let rejection) = try map(["found": text]) else { Issue.record("accepted \(text)"); return }
            #expect(rejection.reason == .notADate)
        }
        guard case .success(.hazard(let serial)) = try map(["found": "44135.5"]) else { Issue.record("rejected a serial"); return }
        #expect(serial.foundDate == LocalDate(year: 2020, month: 10, day: 31))
    }
}

/// The byte readers (dates, code lists, choices, booleans read from a cell's bytes) take only
/// cells they can read exactly and leave everything else, every problem included, to the string
/// path: a mapped record, its texts as strings or still as bytes (`RawTextRecord`), reads exactly
/// as a field reader that only has strings (no byte readers) reads the same cells.
struct RawTextRecordMappingTests {
    static let hazard = """
    {"department": "应急管理局", "kind": "hazard", "format": "csv", "export_date": {"column": "导出日期"},
     "fields": {"id": "编号", "found_date": "发现日期", "region": "乡镇", "sector": "行业", "enterprise": "单位",
                "level": "等级", "rectified_date": "整改日期", "deadline": "期限", "listed": "挂牌"}}
    """
    static let valid = ["编号": "H-1", "发现日期": "2020-03-05", "乡镇": "明光街道", "行业": "商贸", "单位": "某公司",
                        "等级": "一般", "整改日期": "2020-04-01", "期限": "2020-05-01", "挂牌": "否", "导出日期": "2020-11-05"]
    static let variants: [String: [String]] = [
        "编号": ["H-2", " H-3 ", "3.41182E+17", "", "\u{3000}H-4"],
        "发现日期": ["2020/03/05", " 2020-03-05", "2020-03-05 ", "2020-02-30", "2020-3-5", "20200305", "２０２０-03-05",
                    "2020-03-05 10:00", "03/05/2020", "2020-13-01", "2020-03-0x", "2020-03_05", "", "2020年3月5日"],
        "乡镇": ["女山湖", " 明光街道", "明光街道\u{3000}", "1.2E+3", "-女山湖", "火星镇", "", "女山湖镇"],
        "行业": ["商贸制造", "商贸 ", "建筑", ""],
        "单位": ["", " 某公司 ", "某\"公司\", 二期"],
        "等级": ["重大", " 一般", "major", "", "较大", "一般\u{3000}"],
        "整改日期": ["", "2020-03-04", "2020-03-05", "2020/04/01", "2020-02-30", "soon", " "],
        "期限": ["", "2020-02-30", "2020/05/01", "x"],
        "挂牌": ["是", "true", "false", "1", "0", "Y", "√", "", "x", " 是", "TRUE"],
        "导出日期": ["2020/11/05", "", "2020-11-31", " 2020-11-05"],
    ]

    @Test func mapsExactlyAsItsStrings() throws {
        let mapping = try RecordMapperTests.mapping(Self.hazard)
        let mapper = RecordMapper(mapping: mapping, regions: Build.regions,
                                  sectors: CodeList([.init(name: "商贸制造", aliases: ["商贸"]), .init(name: "建筑")]))
        let position = SourcePosition(file: "f.csv", line: 3, record: 2)
        var writer = TextRecordWriter()
        var compared = 0, accepted = 0
        for (column, values) in Self.variants.sorted(by: { $0.key < $1.key }) {
            for value in values {
                var cells = Self.valid
                cells[column] = value
                let texts = mapper.sourceKeys.map { cells[$0] }
                // The reference: every text through the string path (a closure source is not trimmed).
                var reference = FieldReader(position: position, regions: mapper.regions, sectors: mapper.sectors) { field -> String? in
                    if field == "source" { return mapping.department }
                    if field == "export_date" { return cells["导出日期"] }
                    return mapping.fields[field]?.from.flatMap { cells[$0] }
                }
                let expected = RecordSchema.read(.hazard, from: &reference, position: position)
                let strings = mapper.map(RawRecord(position: position, values: texts), fileExportDate: nil)
                for trims in [true, false] {
                    writer.begin(keys: texts.count, bytes: texts.reduce(0) { $0 + ($1?.utf8.count ?? 0) })
                    for (key, text) in texts.enumerated() {
                        guard var text else { continue }
                        text.withUTF8 { writer.set(key, $0) }
                    }
                    let record = writer.finish(position: position, trims: trims)
                    for got in [mapper.map(record, fileExportDate: nil), strings] {
                    switch (expected, got) {
                    case (.success(let a), .success(let b)):
                        #expect(a == b, "\(column) = \"\(value)\"")
                        accepted += 1
                    case (.failure(let a), .failure(let b)):
                        #expect(a.field == b.field && a.value == b.value && a.reason.code == b.reason.code, "\(column) = \"\(value)\": \(a.message) vs \(b.message)")
                    default:
                        Issue.record("\(column) = \"\(value)\": the string path gives \(expected), the mapper \(got)")
                    }
                    compared += 1
                    }
                }
            }
        }
        #expect(compared == 4 * Self.variants.values.reduce(0) { $0 + $1.count })
        #expect(accepted > 20 && accepted < compared)  // both outcomes exercised
    }

    @Test func keepsEachRecordsBytesWhileLaterRecordsAreWritten() {
        // Records share blocks: a record written before many others still reads its own texts.
        var writer = TextRecordWriter()
        var records: [RawTextRecord] = []
        for i in 0..<5_000 {
            var text = "记录\(i)-" + String(repeating: "x", count: i % 97)
            // Every third record says nothing of its size: its bytes move to a new block when full.
            writer.begin(keys: 2, bytes: i % 3 == 0 ? 0 : text.utf8.count)
            text.withUTF8 { writer.set(1, $0) }
            if i % 1000 == 0 {  // a text larger than a block, after a first one
                var large = String(repeating: "长", count: 30_000)
                large.withUTF8 { writer.set(0, $0) }
            }
            records.append(writer.finish(position: SourcePosition(file: "f", line: i + 1, record: i + 1), trims: false))
        }
        for (i, record) in records.enumerated() {
            let values = record.materialized().values
            #expect(values == [i % 1000 == 0 ? String(repeating: "长", count: 30_000) : nil, "记录\(i)-" + String(repeating: "x", count: i % 97)])
        }
    }
}
