import Foundation
import SafetyCore
import SafetyIO
import ZIPFoundation

/// An Office Open XML package (workbook or document): the parts zipped with fixed entry dates
/// (the same parts give the same bytes), written to a temporary and renamed.
enum OfficePackage {
    static func write(_ parts: [(String, String)], to path: String) throws {
        try AtomicFile.produce(path) { temporary in
            do {
                let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
                for (name, text) in parts {
                    let data = Data(text.utf8)
                    try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count),
                                         modificationDate: Date(timeIntervalSince1970: 1_577_836_800), compressionMethod: .deflate) { position, size in
                        data.subdata(in: Int(position)..<Int(position) + size)
                    }
                }
            } catch let error as IngestFailure {
                throw error
            } catch {
                throw IngestFailure.outputNotWritable(path: path, reason: "\(error)")
            }
        }
    }

    static let xmlHeader = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
}

/// The bulletin as the office files it: a .docx laid out by GB/T 9704-2012 (党政机关公文格式),
/// written from the same Markdown as bulletin.md (one wording, the pipeline's templates), for
/// Word and WPS.
///
/// - A4 (210 mm × 297 mm); 版心 156 mm × 225 mm: top margin 37 mm, left 28 mm, right 26 mm, bottom 35 mm.
/// - Title 2号 (22 pt) 小标宋, centred; body 3号 (16 pt) 仿宋_GB2312; 22 lines of 28 characters a
///   page (a document grid: line pitch 225 mm / 22, character pitch 156 mm / 28).
/// - Headings by level: 一、 in 黑体, （一） in 楷体_GB2312 (the lead of a paragraph that opens with
///   （一）… up to its first 。 is set in 楷体, as 公文 do).
/// - Page numbers 4号 (14 pt) in the form "— 1 —", 7 mm below the text block; odd pages right,
///   even pages left, each one character in from the edge of the text block.
/// - The workbook's 总体 sheet as the attached table (附表).
///
/// Fonts are named as offices install them (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312), each with
/// its usual fallback (仿宋, 宋体, SimHei, 楷体) in the font table for machines without them.
public enum OfficialDocument {
    /// Twentieths of a point per millimetre.
    static func twips(mm: Double) -> Int { Int((mm * 72 / 25.4 * 20).rounded()) }

    static let page = (width: twips(mm: 210), height: twips(mm: 297))
    static let margins = (top: twips(mm: 37), left: twips(mm: 28), right: twips(mm: 26), bottom: twips(mm: 35))
    /// The line pitch: 225 mm over 22 lines.
    static let linePitch = Int((Double(twips(mm: 225)) / 22).rounded(.down))
    /// Font sizes in half-points: 2号 22 pt, 3号 16 pt, 4号 14 pt; tables 小四 12 pt.
    static let titleSize = 44, bodySize = 32, pageNumberSize = 28, tableSize = 24
    /// The footer's distance from the page's bottom edge: its 4号 line's top 7 mm below the text block.
    static let footerDistance = twips(mm: 35 - 7) - pageNumberSize * 10

    enum Font: String {
        case title = "方正小标宋简体", body = "仿宋_GB2312", heading = "黑体", subheading = "楷体_GB2312", number = "宋体"

        /// What a machine without the font uses instead.
        var fallback: String {
            switch self {
            case .title: "宋体"
            case .body: "仿宋"
            case .heading: "SimHei"
            case .subheading: "楷体"
            case .number: "SimSun"
            }
        }
    }

    public static func write(markdown: String, overall: ReportSheet, to path: String) throws {
        try OfficePackage.write(parts(markdown: markdown, overall: overall), to: path)
    }

    static func parts(markdown: String, overall: ReportSheet) -> [(String, String)] {
        [("[Content_Types].xml", contentTypes), ("_rels/.rels", rootRelationships),
         ("word/document.xml", document(markdown: markdown, overall: overall)),
         ("word/_rels/document.xml.rels", documentRelationships), ("word/styles.xml", styles), ("word/settings.xml", settings),
         ("word/fontTable.xml", fontTable), ("word/footer1.xml", footer(odd: true)), ("word/footer2.xml", footer(odd: false))]
    }

    static let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    static let r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let package = "http://schemas.openxmlformats.org/package/2006/relationships"

    static let contentTypes = OfficePackage.xmlHeader + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        + #"<Default Extension="xml" ContentType="application/xml"/>"#
        + #"<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>"#
        + #"<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>"#
        + #"<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>"#
        + #"<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>"#
        + #"<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>"#
        + #"<Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>"#
        + "</Types>"

    static let rootRelationships = OfficePackage.xmlHeader + "<Relationships xmlns=\"\(package)\">"
        + "<Relationship Id=\"rId1\" Type=\"\(r)/officeDocument\" Target=\"word/document.xml\"/></Relationships>"

    static let documentRelationships = OfficePackage.xmlHeader + "<Relationships xmlns=\"\(package)\">"
        + "<Relationship Id=\"rId1\" Type=\"\(r)/styles\" Target=\"styles.xml\"/>"
        + "<Relationship Id=\"rId2\" Type=\"\(r)/settings\" Target=\"settings.xml\"/>"
        + "<Relationship Id=\"rId3\" Type=\"\(r)/fontTable\" Target=\"fontTable.xml\"/>"
        + "<Relationship Id=\"rId4\" Type=\"\(r)/footer\" Target=\"footer1.xml\"/>"
        + "<Relationship Id=\"rId5\" Type=\"\(r)/footer\" Target=\"footer2.xml\"/>"
        + "</Relationships>"

    /// Odd and even pages have their own footers (page numbers right and left). (Elements in the
    /// schema's order throughout: Word refuses a part whose children are out of order.)
    static let settings = OfficePackage.xmlHeader + "<w:settings xmlns:w=\"\(w)\"><w:defaultTabStop w:val=\"\(bodySize * 20)\"/>"
        + "<w:evenAndOddHeaders/><w:characterSpacingControl w:val=\"compressPunctuation\"/>"
        + "<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>"
        + "</w:settings>"

    static let fontTable = OfficePackage.xmlHeader + "<w:fonts xmlns:w=\"\(w)\">"
        + [Font.title, .body, .heading, .subheading, .number].map { font in
            "<w:font w:name=\"\(font.rawValue)\"><w:altName w:val=\"\(font.fallback)\"/><w:charset w:val=\"86\"/>"
                + "<w:family w:val=\"\(font == .heading ? "modern" : "roman")\"/><w:pitch w:val=\"variable\"/></w:font>"
        }.joined() + "</w:fonts>"

    /// Run properties: the font for Chinese and Latin text alike, and the size.
    static func runProperties(_ font: Font, size: Int, spacing: Int? = nil) -> String {
        "<w:rPr><w:rFonts w:ascii=\"\(font.rawValue)\" w:hAnsi=\"\(font.rawValue)\" w:eastAsia=\"\(font.rawValue)\" w:cs=\"\(font.rawValue)\"/>"
            + (spacing.map { "<w:spacing w:val=\"\($0)\"/>" } ?? "") + "<w:sz w:val=\"\(size)\"/><w:szCs w:val=\"\(size)\"/></w:rPr>"
    }

    /// Twentieths of a point each character gives up so that 28 of the 16 pt body font fill the
    /// 156 mm line (15.79 pt a character; -0.25 pt keeps the 28th on the line). A character grid
    /// (`docGrid linesAndChars`) would say the same, but LibreOffice misreads its negative pitch;
    /// spacing reads the same in Word, WPS and LibreOffice.
    static let bodySpacing = -5

    /// Body text by default: 3号 仿宋_GB2312, exact line pitch, justified.
    static let styles = OfficePackage.xmlHeader + "<w:styles xmlns:w=\"\(w)\">"
        + "<w:docDefaults><w:rPrDefault>" + runProperties(.body, size: bodySize, spacing: bodySpacing) + "</w:rPrDefault>"
        + "<w:pPrDefault><w:pPr><w:overflowPunct w:val=\"0\"/><w:spacing w:before=\"0\" w:after=\"0\" w:line=\"\(linePitch)\" w:lineRule=\"exact\"/><w:jc w:val=\"both\"/></w:pPr></w:pPrDefault>"
        + "</w:docDefaults>"
        + "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>"
        + "<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/><w:basedOn w:val=\"Normal\"/>"
        + "<w:pPr><w:spacing w:line=\"\(linePitch * 3 / 2)\" w:lineRule=\"exact\"/><w:jc w:val=\"center\"/></w:pPr>" + runProperties(.title, size: titleSize) + "</w:style>"
        + "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/><w:basedOn w:val=\"Normal\"/>"
        + "<w:pPr><w:keepNext/><w:ind w:firstLineChars=\"200\" w:firstLine=\"\(bodySize * 20)\"/><w:outlineLvl w:val=\"0\"/></w:pPr>"
        + runProperties(.heading, size: bodySize) + "</w:style>"
        + "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/><w:basedOn w:val=\"Normal\"/>"
        + "<w:pPr><w:keepNext/><w:ind w:firstLineChars=\"200\" w:firstLine=\"\(bodySize * 20)\"/><w:outlineLvl w:val=\"1\"/></w:pPr>"
        + runProperties(.subheading, size: bodySize) + "</w:style>"
        + "<w:style w:type=\"paragraph\" w:styleId=\"BodyText\"><w:name w:val=\"Body Text\"/><w:basedOn w:val=\"Normal\"/>"
        + "<w:pPr><w:overflowPunct w:val=\"0\"/><w:ind w:firstLineChars=\"200\" w:firstLine=\"\(bodySize * 20)\"/></w:pPr></w:style>"
        + "<w:style w:type=\"paragraph\" w:styleId=\"Footer\"><w:name w:val=\"footer\"/><w:basedOn w:val=\"Normal\"/>"
        + "<w:pPr><w:spacing w:line=\"240\" w:lineRule=\"auto\"/></w:pPr>" + runProperties(.number, size: pageNumberSize) + "</w:style>"
        + "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>"
        + "<w:tblPr><w:tblCellMar><w:left w:w=\"80\" w:type=\"dxa\"/><w:right w:w=\"80\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>"
        + "</w:styles>"

    /// "— 1 —" in 4号, one character in from the text block's right edge (odd) or left edge (even).
    static func footer(odd: Bool) -> String {
        let indent = pageNumberSize * 10
        return OfficePackage.xmlHeader + "<w:ftr xmlns:w=\"\(w)\"><w:p><w:pPr><w:pStyle w:val=\"Footer\"/>"
            + (odd ? "<w:ind w:right=\"\(indent)\"/>" : "<w:ind w:left=\"\(indent)\"/>")
            + "<w:jc w:val=\"\(odd ? "right" : "left")\"/></w:pPr>"
            + "<w:r><w:t xml:space=\"preserve\">— </w:t></w:r>"
            + "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>"
            + "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
            + "<w:r><w:t xml:space=\"preserve\"> —</w:t></w:r></w:p></w:ftr>"
    }

    static func run(_ text: String, _ properties: String = "") -> String {
        "<w:r>\(properties)<w:t xml:space=\"preserve\">\(MarkupText.escape(text))</w:t></w:r>"
    }

    static func paragraph(_ style: String, _ runs: String) -> String {
        "<w:p><w:pPr><w:pStyle w:val=\"\(style)\"/></w:pPr>\(runs)</w:p>"
    }

    /// A paragraph that opens with （一）…。 sets that lead in 楷体, the rest in the body font.
    static func bodyParagraph(_ text: String) -> String {
        let numerals = "一二三四五六七八九十"
        if text.hasPrefix("（"), let close = text.firstIndex(of: "）"),
           text[text.index(after: text.startIndex)..<close].allSatisfy({ numerals.contains($0) }),
           let stop = text.firstIndex(of: "。") {
            let lead = String(text[...stop]), rest = String(text[text.index(after: stop)...])
            return paragraph("BodyText", run(lead, runProperties(.subheading, size: bodySize)) + (rest.isEmpty ? "" : run(rest)))
        }
        return paragraph("BodyText", run(text))
    }

    /// A table with single borders, its header row repeated on each page, cells in 小四.
    static func table(_ rows: [[String]], numeric: Set<Int> = []) -> String {
        let columns = rows.map(\.count).max() ?? 0
        guard columns > 0 else { return "" }
        let width = twips(mm: 156)
        var out = "<w:tbl><w:tblPr><w:tblW w:w=\"\(width)\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>"
            + ["top", "left", "bottom", "right", "insideH", "insideV"].map { "<w:\($0) w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>" }.joined()
            + "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>"
            + String(repeating: "<w:gridCol w:w=\"\(width / columns)\"/>", count: columns) + "</w:tblGrid>"
        for (i, row) in rows.enumerated() {
            out += "<w:tr>" + (i == 0 ? "<w:trPr><w:tblHeader/></w:trPr>" : "")
            for c in 0..<columns {
                let text = c < row.count ? row[c] : ""
                let align = i == 0 ? "center" : numeric.contains(c) ? "right" : "left"
                out += "<w:tc><w:tcPr><w:tcW w:w=\"\(width / columns)\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr>"
                    + "<w:p><w:pPr><w:spacing w:line=\"300\" w:lineRule=\"auto\"/><w:jc w:val=\"\(align)\"/></w:pPr>"
                    + run(text, runProperties(i == 0 ? .heading : .body, size: tableSize)) + "</w:p></w:tc>"
            }
            out += "</w:tr>"
        }
        return out + "</w:tbl>"
    }

    static func document(markdown: String, overall: ReportSheet) -> String {
        var body = ""
        for block in MarkdownBlock.parse(markdown) {
            switch block {
            case .heading(let level, let text):
                if level == 1 {
                    body += paragraph("Title", run(text)) + paragraph("Normal", "")
                } else {
                    body += paragraph(level == 2 ? "Heading1" : "Heading2", run(text))
                }
            case .paragraph(let text): body += bodyParagraph(text)
            case .bullets(let items): body += items.map { bodyParagraph($0) }.joined()
            case .table(let rows): body += table(rows)
            }
        }
        if !overall.rows.isEmpty {
            body += paragraph("Normal", "") + paragraph("Normal", run("附表", runProperties(.heading, size: bodySize)))
                + paragraph("Title", run("主要指标（\(overall.name)）", runProperties(.title, size: bodySize)))
            let numeric = Set(overall.columns.indices.filter { overall.columns[$0].format != .text })
            body += table([overall.columns.map(\.title)] + overall.rows.map { $0.map(\.display) }, numeric: numeric)
        }
        // The line grid: 22 lines a page.
        let section = "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rId4\"/><w:footerReference w:type=\"even\" r:id=\"rId5\"/>"
            + "<w:pgSz w:w=\"\(page.width)\" w:h=\"\(page.height)\"/>"
            + "<w:pgMar w:top=\"\(margins.top)\" w:right=\"\(margins.right)\" w:bottom=\"\(margins.bottom)\" w:left=\"\(margins.left)\" "
            + "w:header=\"\(twips(mm: 15))\" w:footer=\"\(footerDistance)\" w:gutter=\"0\"/>"
            + "<w:pgNumType w:fmt=\"decimal\"/>"
            + "<w:docGrid w:type=\"lines\" w:linePitch=\"\(linePitch)\"/></w:sectPr>"
        return OfficePackage.xmlHeader + "<w:document xmlns:w=\"\(w)\" xmlns:r=\"\(r)\"><w:body>" + body + section + "</w:body></w:document>"
    }
}
