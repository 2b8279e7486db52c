import Foundation
import Testing
@testable import SafetyIO
@testable import SafetyCore
@testable import SafetyReports

/// What the office files and works from (issue 15), on the sample pipeline's `make`: accident
/// categories, poisoning and the missing in the figures and the text, the 督办清单, 挂牌督办 and
/// 重点关注企业 lists checked against the records, and bulletin.docx through python-docx and
/// LibreOffice's PDF.
@Suite(.serialized)
struct OfficeDocumentsTests {
    static let root = SamplePipelineTests.root

    func sample() throws -> SamplePipelineTests.Run {
        let run = try SamplePipelineTests.sample.get()
        try #require(run.status == 0, "make failed:\n\(run.output)")
        return run
    }

    /// A CSV's rows as dictionaries by header (a BOM on the first name dropped).
    static func rows(_ path: String) throws -> [[String: String]] {
        var header: [String] = [], out: [[String: String]] = []
        try CSVFile.forEachRow(path: path) { row, _ in
            if header.isEmpty { header = row.map { $0.hasPrefix("\u{FEFF}") ? String($0.dropFirst()) : $0 }; return }
            out.append(Dictionary(uniqueKeysWithValues: zip(header, row)))
        }
        return out
    }

    @Test func theSampleCarriesCategoriesPoisoningAndAMissingPersonWithoutTouchingTheSeed() throws {
        let run = try sample()
        let table = try IndicatorRun.readTable(csvPath: run.out + "/indicators.csv")
        func value(_ code: IndicatorCode, _ b: Breakdown, period: String = "2020") -> String? { table.row(code, period: period, breakdown: b)?.value?.description }
        #expect(value(.accidents, Breakdown(.category, "中毒和窒息")) == "1")
        #expect(value(.acutePoisonings, Breakdown(.category, "中毒和窒息")) == "9")
        #expect(value(.missing, Breakdown(.category, "淹溺")) == "1")
        #expect(value(.deathsAndMissing, Breakdown(.category, "淹溺")) == "2")
        #expect(value(.accidents, Breakdown(.category, "火灾").inFullScope) == "5", "the fire brigade's mapping gives every fire 火灾")
        #expect(value(.accidents, Breakdown(.category, "高处坠落"), period: "2020-YTD-10") == "0")
        #expect(table.row(.accidents, period: "2020-YTD-10", breakdown: Breakdown(.category, "高处坠落"))?.previousValue?.description == "1",
                "09 in the export is 高处坠落")
        // The poisoning (1 serious + 9 poisoned) is graded 较大 and listed in the workbook's 较大以上事故.
        #expect(table.row(.accidentsByGrade, period: "2020", breakdown: .sector("商贸制造"), grade: .large)?.value?.description == "1")
        let accidents = try Self.rows(run.out + "/normalized/accident.csv")
        let poisoning = try #require(accidents.first { $0["id"] == "YJ-SG-2020-003" })
        #expect(poisoning["grade"] == "较大" && poisoning["acute_poisonings"] == "9" && poisoning["category"] == "中毒和窒息")
        #expect(poisoning["time"] == "08:30" && poisoning["enterprise"] == "明光市柳巷化工助剂厂")
        #expect(accidents.first { $0["id"] == "JJ2020-0001" }?["missing"] == "", "the traffic police export no missing: unknown, not 0")
        // The text says so where it applies, and nowhere else (the seed's bulletin is its golden file).
        let year = try SamplePipelineTests.make(target: "bulletin", period: "2020")
        let text = try String(contentsOfFile: year.out + "/periods/2020/bulletin.md", encoding: .utf8)
        #expect(text.contains("共发生生产安全事故3起，造成死亡（含下落不明）2人"), "\(text)")
        let month = try SamplePipelineTests.make(target: "bulletin", period: "2020-11")
        let november = try String(contentsOfFile: month.out + "/periods/2020-11/bulletin.md", encoding: .utf8)
        #expect(november.contains("造成死亡（含下落不明）2人、重伤（含急性工业中毒）10人"), "\(november)")
        let seed = try String(contentsOfFile: run.out + "/bulletin.md", encoding: .utf8)
        #expect(!seed.contains("下落不明") && seed.contains("造成6人死亡、5人重伤"))
    }

    /// The 督办清单 against the records: every hazard found by the period's end, open at its end,
    /// its deadline passed — no more, no fewer — 重大 and 挂牌督办 first, then the longest overdue.
    @Test func theSupervisionListIsExactlyTheOverdueOpenHazards() throws {
        let run = try sample()
        let end = "2020-10-31"
        let hazards = try Self.rows(run.out + "/normalized/hazard.csv")
        let expected = hazards.filter { h in
            h["found_date"]! <= end && !h["deadline"]!.isEmpty && h["deadline"]! < end && (h["rectified_date"]!.isEmpty || h["rectified_date"]! > end)
        }
        let list = try Self.rows(run.out + "/supervision.csv")
        #expect(!list.isEmpty && list.count == expected.count)
        #expect(Set(list.map { $0["部门"]! + "/" + $0["隐患编号"]! }) == Set(expected.map { $0["source"]! + "/" + $0["id"]! }))
        let endDay = LocalDate(iso: end)!.dayNumber
        for row in list {
            let record = try #require(expected.first { $0["id"] == row["隐患编号"] && $0["source"] == row["部门"] })
            #expect(Int(row["逾期天数"]!) == endDay - LocalDate(iso: record["deadline"]!)!.dayNumber)
            #expect(row["企业（单位）"] == record["enterprise"] && row["隐患等级"] == record["level"])
            #expect(row["挂牌督办"] == (record["listed"] == "true" ? "是" : "否"))
        }
        // Order: 重大 or 挂牌督办 first; within each group the longest overdue first.
        func urgent(_ row: [String: String]) -> Bool { row["隐患等级"] == "重大" || row["挂牌督办"] == "是" }
        let firstOrdinary = list.firstIndex { !urgent($0) } ?? list.count
        #expect(list[..<firstOrdinary].allSatisfy(urgent) && !list[firstOrdinary...].contains(where: urgent))
        let days = list[firstOrdinary...].map { Int($0["逾期天数"]!)! }
        #expect(days == days.sorted(by: >))
        // The same rows in the SQLite view, in the workbook and the HTML report; the bulletin counts them.
        let view = try #require(try ReportOutputTests.json(["sql", run.out + "/safety.sqlite", "SELECT id FROM supervision_list"]) as? [[Any]])
        #expect(view.map { "\($0[0])" } == list.map { $0["隐患编号"]! })
        let book = try #require(try ReportOutputTests.json(["xlsx", run.out + "/indicators.xlsx"]) as? [[String: Any]])
        let sheet = try #require(book.first { $0["name"] as? String == "督办清单" })
        #expect((sheet["rows"] as? [Any])?.count == list.count + 1)
        let html = try String(contentsOfFile: run.out + "/report.html", encoding: .utf8)
        #expect(html.contains("<table data-sheet=\"督办清单\">") && html.contains("<table data-sheet=\"较大以上事故\">"))
        let bulletin = try String(contentsOfFile: run.out + "/bulletin.md", encoding: .utf8)
        let major = list.filter { $0["隐患等级"] == "重大" }.count, listed = list.filter { $0["挂牌督办"] == "是" }.count
        #expect(bulletin.contains("截至2020年10月31日，逾期未整改隐患\(list.count)个列入督办清单（其中重大隐患\(major)个、挂牌督办\(listed)个）"),
                "\(bulletin)")
    }

    @Test func everyListedHazardHasItsStatusAtThePeriodsEnd() throws {
        let run = try sample()
        let end = "2020-10-31"
        let listed = try Self.rows(run.out + "/normalized/hazard.csv").filter { $0["listed"] == "true" && $0["found_date"]! <= end }
        let list = try Self.rows(run.out + "/listed-hazards.csv")
        #expect(!list.isEmpty && list.count == listed.count)
        for row in list {
            let record = try #require(listed.first { $0["id"] == row["隐患编号"] })
            let rectified = record["rectified_date"]!
            let status = !rectified.isEmpty && rectified <= end ? "已整改" : record["deadline"]! < end && !record["deadline"]!.isEmpty ? "逾期未整改" : "整改中"
            #expect(row["状态"] == status, "\(row)")
        }
    }

    /// 重点关注企业: enforcement decisions of the twelve months to the period's end and hazards on the
    /// 督办清单, per enterprise as written; two or more together put an enterprise on the list.
    @Test func repeatOffendersAreCountedFromTheRecords() throws {
        let run = try sample()
        let decisions = try Self.rows(run.out + "/normalized/enforcement.csv").filter { $0["date"]! > "2019-10-31" && $0["date"]! <= "2020-10-31" }
        let overdue = try Self.rows(run.out + "/supervision.csv")
        var counts: [String: (decisions: Int, fines: Int, fen: Int64, overdue: Int)] = [:]
        for d in decisions {
            var c = counts[d["enterprise"]!] ?? (0, 0, 0, 0)
            c.decisions += 1
            if d["action"] == "fine" { c.fines += 1 }
            c.fen += DecimalText.fen(d["fine_yuan"]!, unit: .yuan) ?? 0
            counts[d["enterprise"]!] = c
        }
        for h in overdue { counts[h["企业（单位）"]!, default: (0, 0, 0, 0)].overdue += 1 }
        let expected = counts.filter { $0.value.decisions + $0.value.overdue >= 2 }
        let list = try Self.rows(run.out + "/repeat-offenders.csv")
        #expect(!list.isEmpty && list.count == expected.count)
        for row in list {
            let c = try #require(expected[row["企业（单位）"]!])
            #expect(Int(row["合计"]!) == c.decisions + c.overdue && Int(row["执法决定"]!) == c.decisions && Int(row["罚款"]!) == c.fines)
            #expect(Int(row["逾期未整改隐患"]!) == c.overdue)
            #expect(DecimalText.fen(row["罚款金额（元）"]!.isEmpty ? "0" : row["罚款金额（元）"]!, unit: .yuan) == c.fen)
        }
        let totals = list.map { Int($0["合计"]!)! }
        #expect(totals == totals.sorted(by: >), "most first")
        let book = try #require(try ReportOutputTests.json(["xlsx", run.out + "/indicators.xlsx"]) as? [[String: Any]])
        #expect(book.contains { $0["name"] as? String == "重点关注企业" })
        let html = try String(contentsOfFile: run.out + "/report.html", encoding: .utf8)
        #expect(html.contains("供黑名单、联合惩戒复核参考，不是认定结论"), "labelled as a list to review, not a verdict")
    }

    /// bulletin.docx read back by python-docx: A4, the 版心's margins, the fonts and sizes of
    /// GB/T 9704, odd and even footers; then LibreOffice's PDF: the page, the text block's left
    /// and top edges, "— N —" 7 mm below the block (right on odd pages, left on even), the seed's sentence.
    @Test func theBulletinDocxIsAGongwenThatLibreOfficeLaysOut() throws {
        let run = try sample()
        let docx = try #require(try ReportOutputTests.json(["docx", run.out + "/bulletin.docx"]) as? [String: Any])
        let page = try #require(docx["page"] as? [String: Double])
        #expect(page["width"] == 210 && page["height"] == 297 && page["top"] == 37 && page["left"] == 28)
        #expect(page["right"] == 26 && page["bottom"] == 35, "版心 156 mm × 225 mm")
        #expect(page["line_pitch"].map { abs($0 * 22 - 225 / 25.4 * 1440) < 22 } == true, "22 lines a page")
        let defaults = try #require(docx["defaults"] as? [String: Any])
        #expect(defaults["east_asia"] as? String == "仿宋_GB2312" && defaults["size"] as? Double == 16, "body 3号 仿宋")
        let styles = try #require(docx["styles"] as? [String: [String: Any]])
        #expect(styles["Title"]?["east_asia"] as? String == "方正小标宋简体" && styles["Title"]?["size"] as? Double == 22, "title 2号 小标宋")
        #expect(styles["Heading1"]?["east_asia"] as? String == "黑体" && styles["Heading2"]?["east_asia"] as? String == "楷体_GB2312")
        #expect(docx["even_and_odd"] as? Bool == true)
        #expect(docx["order_problems"] as? [String] == [], "elements out of the schema's order, which Word refuses")
        let footers = try #require(docx["footers"] as? [String: [String: Any]])
        #expect(footers["odd"]?["text"] as? String == "— 1 —" && footers["odd"]?["size"] as? Double == 14)
        #expect((footers["odd"]?["align"] as? String)?.hasPrefix("RIGHT") == true && (footers["even"]?["align"] as? String)?.hasPrefix("LEFT") == true)
        let paragraphs = try #require(docx["paragraphs"] as? [[String: Any]])
        #expect(paragraphs.first?["style"] as? String == "Title")
        let markdown = try String(contentsOfFile: run.out + "/bulletin.md", encoding: .utf8)
        let seedSentence = "截至10月底，全市共发生道路交通运输业事故9起，造成6人死亡、5人重伤"
        #expect(paragraphs.contains { ($0["text"] as? String)?.contains(seedSentence) == true }, "the same wording as bulletin.md")
        #expect(paragraphs.filter { $0["style"] as? String == "BodyText" }.count
                == markdown.split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") && !$0.hasPrefix("|") }.count)
        let tables = try #require(docx["tables"] as? [[[String]]])
        #expect(tables.last?.first == ["指标", "单位", "本期", "上年同期", "增减", "增减幅度"] && tables.last?.contains { $0[0] == "事故起数" } == true,
                "the workbook's 总体 sheet as the 附表")

        let pdfDir = run.out + "/docx-pdf"
        // A LibreOffice profile of its own: another test converting at the same time must not share it.
        try FileManager.default.createDirectory(atPath: pdfDir + "-home", withIntermediateDirectories: true)
        let (status, output) = try CommandLine.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", pdfDir,
                                                    run.out + "/bulletin.docx"], environment: ["HOME": pdfDir + "-home"])
        #expect(status == 0, "\(output)")
        let pages = try #require(try ReportOutputTests.json(["pdf", pdfDir + "/bulletin.pdf"]) as? [[String: Any]])
        try #require(pages.count >= 2, "a bulletin of more than one page")
        let mm = 72 / 25.4
        for (index, page) in pages.enumerated() {
            #expect(abs((page["width"] as? Double ?? 0) - 210 * mm) < 1 && abs((page["height"] as? Double ?? 0) - 297 * mm) < 1, "A4")
            let words = try #require(page["words"] as? [[String: Any]])
            func v(_ w: [String: Any], _ k: String) -> Double { w[k] as? Double ?? -1 }
            let blockBottom = (37 + 225) * mm
            let body = words.filter { v($0, "y0") < blockBottom }, footer = words.filter { v($0, "y0") >= blockBottom }
            // Body lines start at the block's left edge; the 附表's cells sit inside it.
            let left0 = body.map { v($0, "x0") }.min() ?? 0
            #expect(index == 0 ? abs(left0 - 28 * mm) < 1.5 : left0 > 28 * mm - 1.5, "page \(index + 1): text starts 28 mm from the left")
            let top = body.map { v($0, "y0") }.min() ?? 0
            #expect(top >= 37 * mm - 1 && top < 37 * mm + 30, "page \(index + 1): text starts in the first line below 37 mm")
            // The page number: — N —, 7 mm below the text block, one character in from its right (odd) or left (even) edge.
            let number = footer.map { $0["text"] as? String ?? "" }.joined(separator: " ")
            #expect(number == "— \(index + 1) —", "page \(index + 1): \(number)")
            let left = footer.map { v($0, "x0") }.min() ?? 0, right = footer.map { v($0, "x1") }.max() ?? 0
            let numberTop = footer.map { v($0, "y0") }.min() ?? 0
            #expect(abs(numberTop - (blockBottom + 7 * mm)) < 1.5 * mm, "page \(index + 1): number 7 mm below the text block")
            if index % 2 == 0 {
                #expect(abs(right - ((28 + 156) * mm - 14)) < 2, "odd page \(index + 1): number on the right, one character in")
            } else {
                #expect(abs(left - (28 * mm + 14)) < 2, "even page \(index + 1): number on the left, one character in")
            }
        }
        let text = pages.flatMap { ($0["words"] as? [[String: Any]] ?? []).map { $0["text"] as? String ?? "" } }.joined()
        #expect(text.contains(seedSentence.replacingOccurrences(of: " ", with: "")), "the seed's sentence in the PDF")
        #expect(text.contains("整改率84.6%（418/494）"))
    }
}
