import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore
@testable import SafetyReports

/// The outputs people read and systems load, read back with independent tools: golden bulletins,
/// the workbook through openpyxl and LibreOffice, the HTML report in headless Chromium, the JSON
/// against its schema, the SQLite database through Python's sqlite3.
@Suite(.serialized)
struct ReportOutputTests {
    static let root = SamplePipelineTests.root
    static let golden = root + "/Tests/EndToEndTests/Golden"

    static func json(_ arguments: [String]) throws -> Any {
        let (status, output) = try CommandLine.run(["python3", root + "/tools/report_check.py"] + arguments)
        guard status == 0 else { throw CheckFailed(output) }
        return try JSONSerialization.jsonObject(with: Data(output.utf8))
    }

    struct CheckFailed: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    func sample() throws -> SamplePipelineTests.Run {
        let run = try SamplePipelineTests.sample.get()
        try #require(run.status == 0, "make failed:\n\(run.output)")
        return run
    }

    /// Golden bulletins: one per template (年度总结 for the year so far and the year, 季度分析, 月度通报).
    /// UPDATE_GOLDEN=1 rewrites them; review the diff before committing.
    @Test(arguments: ["", "2020", "2020Q3", "2020-10"])
    func bulletinMatchesItsGoldenFile(period: String) throws {
        let run = period.isEmpty ? try sample() : try SamplePipelineTests.make(target: "bulletin", period: period)
        #expect(run.status == 0, "\(run.output)")
        let folder = period.isEmpty ? run.out : run.out + "/periods/" + period
        let actual = try String(contentsOfFile: folder + "/bulletin.md", encoding: .utf8)
        let name = Self.golden + "/bulletin\(period.isEmpty ? "" : "-" + period).md"
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" { try actual.write(toFile: name, atomically: true, encoding: .utf8) }
        let expected = try String(contentsOfFile: name, encoding: .utf8)
        #expect(actual == expected, "bulletin for '\(period)' differs from \(name); the new text is in \(folder)/bulletin.md")
        let text = try String(contentsOfFile: folder + "/bulletin.txt", encoding: .utf8)
        #expect(!text.contains("#") && text.contains(expected.split(separator: "\n")[0].dropFirst(2)))
    }

    @Test func workbookReadsBackInOpenpyxlAsWritten() throws {
        let run = try sample()
        let pipeline = try PipelineLoader.load(Self.root + "/Pipelines/mingguang/pipeline.yaml")
        let table = try IndicatorRun.readTable(csvPath: run.out + "/indicators.csv")
        let sheets = try ReportTables(table: table, pipeline: pipeline.config).sheets
        let book = try #require(try Self.json(["xlsx", run.out + "/indicators.xlsx"]) as? [[String: Any]])
        #expect(book.map { $0["name"] as? String } == ["总体", "分行业", "分乡镇", "分事故类别", "隐患整改", "执法", "月度",
                                                      "督办清单", "挂牌督办", "重点关注企业", "较大以上事故"])
        for (sheet, read) in zip(sheets, book) {
            #expect(read["freeze"] as? String == "A2", "\(sheet.name): header row frozen")
            #expect(read["header_bold"] as? Bool == true)
            let rows = try #require(read["rows"] as? [[[String: Any]]])
            #expect(rows.count == sheet.rows.count + 1, "\(sheet.name) row count")
            #expect(rows[0].map { $0["value"] as? String } == sheet.columns.map(\.title))
            for (r, cells) in sheet.rows.enumerated() {
                let readRow = rows[r + 1]
                for (c, cell) in cells.enumerated() {
                    let got = c < readRow.count ? readRow[c] : [:]
                    switch cell {
                    case .empty: #expect(got["value"] is NSNull || got["value"] == nil, "\(sheet.name) r\(r + 2) c\(c + 1)")
                    case .text(let text):
                        #expect(got["value"] as? String == text && got["type"] as? String == "s", "\(sheet.name) r\(r + 2) c\(c + 1)")
                    case .number(let value, let format):
                        let number = (got["value"] as? NSNumber)?.doubleValue
                        #expect(number == Double(value.description), "\(sheet.name) r\(r + 2) c\(c + 1): \(String(describing: got["value"])) vs \(value)")
                        let expected = ["percent": "0.0%", "wanYuan": "#,##0.00", "integer": "#,##0", "decimal": "General"][format.rawValue]
                        #expect(got["format"] as? String == expected, "\(sheet.name) r\(r + 2) c\(c + 1) format")
                    }
                }
            }
        }
        // The seed's 整改率 as a percent cell and with its counts.
        let hazards = try #require(book[4]["rows"] as? [[[String: Any]]])
        let campaign = try #require(hazards.first { ($0.first?["value"] as? String) == "百日除患铸安" })
        #expect((campaign[4]["value"] as? NSNumber)?.doubleValue == 0.846)
        #expect(campaign.last?["value"] as? String == "84.6%（418/494）")
    }

    @Test func workbookConvertsToPDFInLibreOffice() throws {
        let run = try sample()
        let pdfDir = run.out + "/pdf"
        let (status, output) = try CommandLine.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", pdfDir,
                                                    run.out + "/indicators.xlsx"], environment: ["HOME": run.out])
        #expect(status == 0, "\(output)")
        let (textStatus, text) = try CommandLine.run(["pdftotext", "-layout", pdfDir + "/indicators.pdf", "-"])
        #expect(textStatus == 0)
        // Number formats applied: percent with one decimal, 万元 with two, the rate with counts, Chinese intact.
        #expect(text.contains("84.6%（418/494）"))
        #expect(text.contains("84.6%"))
        #expect(text.contains("118.30"))
        #expect(text.contains("道路交通运输业") && text.contains("整改率（已整改/排查）"))
    }

    /// Headless Chromium, as a reader would open the file: renders with no console messages, and the
    /// figures in the rendered DOM are the indicators. The screenshot is kept beside the report.
    @Test func htmlReportRendersInChromiumWithTheIndicatorsInTheDOM() throws {
        let run = try sample()
        let html = run.out + "/report.html"
        let chromium = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--log-level=0"]
        let (status, output) = try CommandLine.run(chromium + ["--dump-dom", html])
        #expect(status == 0)
        let console = output.split(separator: "\n").filter { $0.contains(":CONSOLE") }
        #expect(console.isEmpty, "console messages: \(console)")
        let domFile = run.out + "/report.dom.html"
        let dom = String(output[(output.range(of: "<!DOCTYPE html>", options: .caseInsensitive)?.lowerBound ?? output.startIndex)...])
        try dom.write(toFile: domFile, atomically: true, encoding: .utf8)
        let figures = try #require(try Self.json(["dom", domFile]) as? [String: Any])
        #expect(figures["scripts"] as? Int == 0)
        #expect((figures["external"] as? [String])?.isEmpty == true, "no fetches: \(String(describing: figures["external"]))")

        let table = try IndicatorRun.readTable(csvPath: run.out + "/indicators.csv")
        let bars = try #require(figures["bars"] as? [[String: String]])
        #expect(bars.count == 10 * 2 + 6 * 2 + 6 + 5 * 2, "months, sector deaths, sector rates, enforcement actions")
        func bar(_ indicator: String, _ series: String, _ key: String) -> String? {
            bars.first { $0["indicator"] == indicator && $0["series"] == series && $0["key"] == key }?["value"]
        }
        let ytd = "2020-YTD-10"
        for month in 1...10 {
            let key = String(format: "2020-%02d", month)
            let row = table.row(.accidents, period: ytd, breakdown: Breakdown(.month, key))
            #expect(bar("accidents", "本年", key) == (row?.value?.description ?? "0"), "\(key)")
            #expect(bar("accidents", "上年同期", key) == (row?.previousValue?.description ?? "0"), "\(key) last year")
        }
        #expect(bar("deaths", "本年", "道路交通运输") == table.row(.deaths, period: ytd, breakdown: .sector("道路交通运输"))?.value?.description)
        #expect(bar("deaths", "本年", "道路交通运输") == "6")
        #expect(bar("rectification_rate", "整改率", "建筑") == table.row(.rectificationRate, period: ytd, breakdown: .sector("建筑"))?.value?.description)
        #expect(bar("enforcement", "本年", "closures") == table.row(.closures, period: ytd)?.value?.description)
        let cells = try #require(figures["cells"] as? [[String: String]])
        #expect(cells.contains { $0["sheet"] == "隐患整改" && $0["value"] == "0.846" })
        #expect(dom.contains("截至10月底，全市共发生道路交通运输业事故9起，造成6人死亡、5人重伤"))

        let screenshot = run.out + "/report.png"
        let shot = try CommandLine.run(chromium + ["--screenshot=\(screenshot)", "--window-size=1000,2400", html])
        #expect(shot.status == 0)
        let png = try #require(FileManager.default.contents(atPath: screenshot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 50_000, "a real screenshot, \(png.count) bytes")
        print("report screenshot: \(screenshot)")

        // Print-friendly: Chromium prints it on A4 pages with the text intact.
        let pdf = run.out + "/report.pdf"
        #expect(try CommandLine.run(chromium + ["--no-pdf-header-footer", "--print-to-pdf=\(pdf)", html]).status == 0)
        let (_, info) = try CommandLine.run(["pdfinfo", pdf])
        #expect(info.contains("Page size:      595.92 x 842.88 pts (A4)") || info.contains("(A4)"), "\(info)")
        let (_, printed) = try CommandLine.run(["pdftotext", pdf, "-"])
        #expect(printed.replacingOccurrences(of: "\n", with: "").contains("整改率84.6%（418/494）"))
    }

    /// The detector above is not blind: a page with a console message is caught.
    @Test func consoleMessagesAreDetected() throws {
        let page = NSTemporaryDirectory() + "console-\(UUID().uuidString).html"
        try "<!DOCTYPE html><html><body><script>console.error('boom')</script></body></html>".write(toFile: page, atomically: true, encoding: .utf8)
        let (_, output) = try CommandLine.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                                               "--log-level=0", "--dump-dom", page])
        #expect(output.contains(":CONSOLE") && output.contains("boom"))
    }

    @Test func jsonFollowsItsSchema() throws {
        let run = try sample()
        let result = try #require(try Self.json(["schema", Self.root + "/schema/indicators.schema.json", run.out + "/indicators.json"]) as? [String: Any])
        #expect(result["count"] as? Int == 0, "\(String(describing: result["errors"]))")
        // And the schema can fail: a row with an unknown indicator does not validate.
        let broken = run.out + "/broken.json"
        let text = try String(contentsOfFile: run.out + "/indicators.json", encoding: .utf8)
            .replacingOccurrences(of: "\"indicator\": \"accidents\"", with: "\"indicator\": \"accident_count\"")
        try text.write(toFile: broken, atomically: true, encoding: .utf8)
        let failed = try #require(try Self.json(["schema", Self.root + "/schema/indicators.schema.json", broken]) as? [String: Any])
        #expect((failed["count"] as? Int ?? 0) > 0)
    }

    /// The schema names every indicator code and unit the engine writes, no more.
    @Test func schemaListsEveryIndicatorAndUnit() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/schema/indicators.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let row = try #require(((schema["$defs"] as? [String: Any])?["row"] as? [String: Any])?["properties"] as? [String: Any])
        let codes = try #require((row["indicator"] as? [String: Any])?["enum"] as? [String])
        #expect(codes == IndicatorCode.allCases.map(\.rawValue))
        let units = try #require((row["unit"] as? [String: Any])?["enum"] as? [String])
        #expect(Set(units) == Set(IndicatorCode.allCases.map(\.unit)))
    }

    @Test func sqliteAnswersTheCommonQuestions() throws {
        let run = try sample()
        let db = run.out + "/safety.sqlite"
        let road = try #require(try Self.json(["sql", db, """
            SELECT SUM(accidents), SUM(deaths), SUM(serious_injuries) FROM accidents_by_sector
            WHERE sector = '道路交通运输' AND year = '2020' AND scope = 'operating'
            """]) as? [[Any]])
        #expect(road.first?.map { ($0 as? NSNumber)?.intValue } == [9, 6, 5])
        let rate = try #require(try Self.json(["sql", db, """
            SELECT value FROM indicators WHERE indicator = 'rectification_rate' AND period = '百日除患铸安'
            AND sector IS NULL AND region IS NULL AND sector_group IS NULL AND source IS NULL AND month IS NULL AND scope IS NULL
            """]) as? [[Any]])
        #expect((rate.first?.first as? NSNumber)?.doubleValue == 84.6)
        let described = try #require(try Self.json(["sql", db, "SELECT id, address FROM accident WHERE description = '车辆碰撞 <现场勘查>' ORDER BY id LIMIT 1"]) as? [[Any]])
        #expect(described.first?.compactMap { $0 as? String } == ["JJ2019-0001", "G104 & 县道"], "free text in SQLite as written")
        let months = try #require(try Self.json(["sql", db, "SELECT COUNT(*) FROM indicators_by_month WHERE period = '2020-YTD-10' AND indicator = 'accidents'"]) as? [[Any]])
        #expect((months.first?.first as? NSNumber)?.intValue == 10)
        let records = try #require(try Self.json(["sql", db, "SELECT COUNT(*) FROM hazard"]) as? [[Any]])
        let csvRows = try String(contentsOfFile: run.out + "/normalized/hazard.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect((records.first?.first as? NSNumber)?.intValue == csvRows)
    }

    @Test func workbookTextIsNeverAFormula() throws {
        let sheet = ReportSheet(name: "测试", columns: [.init("名称", .text), .init("数", .integer)],
                                rows: OutputWriterCases.hostile.map { [.text($0), .number(ExactDecimal(integer: -3), .integer)] })
        let path = NSTemporaryDirectory() + "formulas-\(UUID().uuidString).xlsx"
        try WorkbookWriter.write([sheet], to: path)
        let (status, output) = try CommandLine.run(["python3", "tools/report_check.py", "xlsx", path])
        #expect(status == 0, "\(output)")
        let book = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]])
        let rows = try #require(book.first?["rows"] as? [[[String: Any]]])
        let texts = rows.dropFirst().map { $0[0]["value"] as? String }
        #expect(texts == OutputWriterCases.hostile.map { CSVFormat.neutralized($0) })
        #expect(texts[0] == "'=HYPERLINK(\"http://x\",\"y\")" && texts[7] == "a&b<c>")
        #expect(rows.dropFirst().allSatisfy { $0[0]["type"] as? String == "s" && ($0[1]["value"] as? Int) == -3 })
    }

    /// A plain indicators.csv is what systems load: safety-report refuses to write its Excel
    /// flavour under that name, and an unknown extension is named.
    @Test func reportRefusesOutputsItDoesNotKnow() throws {
        let run = try sample()
        for (name, words) in [("indicators.csv", "must be named *-excel.csv"), ("report.pdf", "unknown output extension .pdf")] {
            let target = run.out + "/refused/" + name
            let (status, output) = try CommandLine.run([SamplePipelineTests.bin + "/safety-report", "--pipeline",
                                                        Self.root + "/Pipelines/mingguang/pipeline.yaml",
                                                        "--indicators", run.out + "/indicators.csv", "--output", target])
            #expect(status == 78 && output.contains(words), "\(output)")
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }

    @Test func csvForExcelHasABOMAndTheSameRows() throws {
        let run = try sample()
        let excel = try #require(FileManager.default.contents(atPath: run.out + "/indicators-excel.csv"))
        let plain = try #require(FileManager.default.contents(atPath: run.out + "/indicators.csv"))
        #expect(excel.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(!plain.starts(with: [0xEF, 0xBB, 0xBF]))
        #expect(excel.dropFirst(3) == plain, "no formula-like cells in the sample, so the rows are the same bytes")
    }
}

enum OutputWriterCases {
    static let hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\nx", "a&b<c>"]
}
