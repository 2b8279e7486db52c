import Foundation
import Testing
@testable import SafetyCore
@testable import SafetyIO
@testable import SafetyReports

/// Formula injection, escaping and atomic writes in the outputs clerks open in Excel.
struct OutputWriterTests {
    static let hostile = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\nx", "a&b<c>"]

    func temporary(_ name: String) -> String {
        let folder = NSTemporaryDirectory() + "outputs-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder + "/" + name
    }

    @Test func excelCSVNeutralisesFormulasWhileJSONKeepsThemVerbatim() throws {
        let period = ReportingPeriod(kind: .year, name: "2020", start: LocalDate(iso: "2020-01-01")!, end: LocalDate(iso: "2020-12-31")!)
        let rows = Self.hostile.map { IndicatorRow(code: .accidents, period: period, breakdown: .region($0),
                                                   value: ExactDecimal(integer: -3), previousValue: ExactDecimal(integer: 1)) }
        let table = IndicatorTable(rows: rows)
        let path = temporary("indicators-excel.csv")
        try ExcelCSV.write(table, to: path)
        let bytes = try #require(FileManager.default.contents(atPath: path))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF] + Array("indicator,".utf8)))
        let text = String(decoding: bytes.dropFirst(3), as: UTF8.self)
        #expect(text.contains(",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","))
        #expect(text.contains(",'+1+1,") && text.contains(",'-2+3,") && text.contains(",'@SUM(A1),") && text.contains(",'\tx,"))
        #expect(text.contains(",\"'\rx\",") && text.contains(",\"'\nx\","))
        #expect(text.contains(",-3,1,-4,"), "negative numbers stay numbers")
        #expect(text.contains(",a&b<c>,"))
        let json = IndicatorRun.json(table, pipeline: "t")
        #expect(json.contains("\"region\": \"=HYPERLINK(\\\"http://x\\\",\\\"y\\\")\""), "JSON keeps the value verbatim")
        #expect(json.contains("\"region\": \"@SUM(A1)\""))
    }

    @Test func workbookColumnLettersAndWidths() {
        #expect(WorkbookWriter.column(0) == "A" && WorkbookWriter.column(25) == "Z" && WorkbookWriter.column(26) == "AA"
                && WorkbookWriter.column(701) == "ZZ" && WorkbookWriter.column(702) == "AAA")
        #expect(WorkbookWriter.width("整改率") == 6 && WorkbookWriter.width("84.6%") == 5)
    }

    @Test func aFailedWriteLeavesTheOldFileAndNoTemporary() throws {
        let path = temporary("keep.xlsx")
        try "old".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: (any Error).self) {
            try AtomicFile.produce(path) { temporary in
                try "half".write(toFile: temporary, atomically: false, encoding: .utf8)
                throw IngestFailure.outputNotWritable(path: path, reason: "disk full")
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        let folder = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["keep.xlsx"])
    }

    @Test func htmlEscapesTextAndCarriesNoScripts() {
        let html = HTMLReport.markdownToHTML("# 标题<script>\n\n段落 & <b>\n- 项\n| a | b |\n|---|---|\n| 1 | <i> |\n")
        #expect(html == "<h1>标题&lt;script&gt;</h1>\n<p>段落 &amp; &lt;b&gt;</p>\n<ul>\n<li>项</li>\n</ul>\n<table>\n<thead><tr><th>a</th><th>b</th></tr></thead>\n<tbody>\n<tr><td>1</td><td>&lt;i&gt;</td></tr>\n</tbody>\n</table>\n")
    }
}
