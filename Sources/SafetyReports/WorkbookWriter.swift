import Foundation
import SafetyCore
import SafetyIO
import ZIPFoundation

/// Writes report sheets as an Office Open XML workbook (.xlsx): one worksheet per sheet, Chinese
/// headers in bold with the header row frozen, number formats per cell (integers, 万元 with two
/// decimals, percent with one decimal), column widths that fit the text. Text goes in inline
/// string cells and never in a formula; formula-like text gets the same apostrophe as the CSV
/// for Excel. The same sheets give the same bytes (fixed entry dates).
public enum WorkbookWriter {
    /// Style indexes into `cellXfs` below.
    enum Style: Int { case plain = 0, header, integer, wanYuan, percent, decimal }

    static func style(_ format: ReportSheet.Format) -> Style {
        switch format {
        case .text: .plain
        case .integer: .integer
        case .wanYuan: .wanYuan
        case .percent: .percent
        case .decimal: .decimal
        }
    }

    public static func write(_ sheets: [ReportSheet], to path: String) throws {
        var parts: [(String, String)] = [
            ("[Content_Types].xml", contentTypes(sheets.count)),
            ("_rels/.rels", rootRelationships),
            ("xl/workbook.xml", workbook(sheets)),
            ("xl/_rels/workbook.xml.rels", workbookRelationships(sheets.count)),
            ("xl/styles.xml", styles),
        ]
        for (i, sheet) in sheets.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", worksheet(sheet))) }
        try OfficePackage.write(parts, to: path)
    }

    static let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    static let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let officeRelationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

    static func contentTypes(_ count: Int) -> String {
        header + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
            + #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
            + #"<Default Extension="xml" ContentType="application/xml"/>"#
            + #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
            + #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
            + (1...count).map {
                #"<Override PartName="/xl/worksheets/sheet\#($0).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
            }.joined() + "</Types>"
    }

    static let rootRelationships = header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="\#(officeRelationships)/officeDocument" Target="xl/workbook.xml"/></Relationships>"#

    static func workbook(_ sheets: [ReportSheet]) -> String {
        header + #"<workbook xmlns="\#(main)" xmlns:r="\#(officeRelationships)"><sheets>"#
            + sheets.enumerated().map { i, sheet in
                #"<sheet name="\#(MarkupText.escape(sheet.name))" sheetId="\#(i + 1)" r:id="rId\#(i + 1)"/>"#
            }.joined() + "</sheets></workbook>"
    }

    static func workbookRelationships(_ count: Int) -> String {
        header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
            + (1...count).map {
                #"<Relationship Id="rId\#($0)" Type="\#(officeRelationships)/worksheet" Target="worksheets/sheet\#($0).xml"/>"#
            }.joined()
            + #"<Relationship Id="rId\#(count + 1)" Type="\#(officeRelationships)/styles" Target="styles.xml"/></Relationships>"#
    }

    /// Fonts with CJK fallbacks; formats 164 (万元) and 165 (one-decimal percent) are custom.
    static let styles = header + #"<styleSheet xmlns="\#(main)">"#
        + ##"<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00"/><numFmt numFmtId="165" formatCode="0.0%"/></numFmts>"##
        + #"<fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>"#
        + #"<font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>"#
        + #"<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#
        + #"<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="6">"#
        + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>"#
        + #"<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"#

    /// A1-style column letters: 0 → A, 25 → Z, 26 → AA.
    static func column(_ index: Int) -> String {
        var n = index + 1, letters = ""
        while n > 0 {
            let r = (n - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + r))) + letters
            n = (n - 1) / 26
        }
        return letters
    }

    /// Display width in character cells: CJK and full-width characters count two.
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) }
    }

    static func worksheet(_ sheet: ReportSheet) -> String {
        var widths = sheet.columns.map { width($0.title) }
        for row in sheet.rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], width(cell.display)) }
        }
        var out = header + #"<worksheet xmlns="\#(main)" xmlns:r="\#(officeRelationships)">"#
        out += #"<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>"#
        out += #"<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        out += #"<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews><cols>"#
        for (i, w) in widths.enumerated() {
            out += #"<col min="\#(i + 1)" max="\#(i + 1)" width="\#(min(max(w + 2, 8), 60))" customWidth="1"/>"#
        }
        out += "</cols><sheetData>"
        out += row(1, sheet.columns.map { .text($0.title) }, style: .header)
        for (i, cells) in sheet.rows.enumerated() { out += row(i + 2, cells, style: nil) }
        // Printed on A4 landscape, one page wide, as many pages tall as it takes.
        out += #"</sheetData><pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>"#
        out += #"<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/></worksheet>"#
        return out
    }

    static func row(_ number: Int, _ cells: [ReportSheet.Cell], style: Style?) -> String {
        var out = #"<row r="\#(number)">"#
        for (i, cell) in cells.enumerated() {
            let ref = column(i) + String(number)
            switch cell {
            case .empty: continue
            case .text(let text):
                let s = style.map { #" s="\#($0.rawValue)""# } ?? ""
                out += #"<c r="\#(ref)" t="inlineStr"\#(s)><is><t xml:space="preserve">\#(MarkupText.escape(CSVFormat.neutralized(text)))</t></is></c>"#
            case .number(let value, let format):
                out += #"<c r="\#(ref)" s="\#(Self.style(format).rawValue)"><v>\#(value.description)</v></c>"#
            }
        }
        return out + "</row>"
    }

}
