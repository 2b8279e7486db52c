import SafetyCore

/// report.html: one self-contained, print-friendly (A4) page — inline CSS, inline SVG charts,
/// no scripts, no fetches — with the bulletin, four charts and the report tables. Every figure
/// carries `data-indicator`, `data-key` and `data-value` attributes so a test can read the
/// numbers back out of the rendered DOM.
public struct HTMLReport {
    public let tables: ReportTables
    public let bulletin: String
    /// The lists (`WorkLists`) shown after the tables, when there is a database.
    public let lists: [ReportSheet]

    public init(tables: ReportTables, bulletin: String, lists: [ReportSheet] = []) {
        self.tables = tables
        self.bulletin = bulletin
        self.lists = lists
    }

    static let style = """
    @page { size: A4; margin: 16mm 14mm; }
    body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei", sans-serif;
           color: #1f2933; max-width: 180mm; margin: 0 auto; padding: 8mm 0; line-height: 1.7; font-size: 10.5pt; }
    h1 { font-size: 17pt; text-align: center; margin: 0 0 4mm; }
    h2 { font-size: 13pt; border-bottom: 2px solid #2b6cb0; padding-bottom: 1mm; margin-top: 7mm; }
    h3 { font-size: 11pt; margin: 4mm 0 1mm; }
    p { text-indent: 2em; margin: 1.5mm 0; }
    ul { margin: 1mm 0 1mm 6mm; padding: 0; }
    .charts { display: grid; grid-template-columns: 1fr 1fr; gap: 4mm; }
    figure { margin: 0; break-inside: avoid; border: 1px solid #d9e2ec; border-radius: 2mm; padding: 2mm; }
    figcaption { font-weight: bold; font-size: 10pt; text-align: center; }
    svg { width: 100%; height: auto; font-family: inherit; }
    svg text { font-size: 11px; fill: #334e68; }
    svg .value { font-size: 10px; fill: #102a43; }
    table { border-collapse: collapse; width: 100%; font-size: 8.5pt; margin: 2mm 0 5mm; break-inside: auto; }
    thead { display: table-header-group; }
    tr { break-inside: avoid; }
    th, td { border: 1px solid #bcccdc; padding: 0.8mm 1.5mm; }
    th { background: #ddebf7; font-weight: bold; }
    td.number { text-align: right; font-variant-numeric: tabular-nums; }
    .note { color: #627d98; font-size: 8.5pt; }
    @media print { body { padding: 0; } h2 { break-after: avoid; } }
    """

    public var html: String {
        let p = tables.period
        var out = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>\(MarkupText.escape(tables.pipeline.title))安全生产统计报告（\(MarkupText.escape(BulletinText.phrase(for: p))))</title>\n"
        out += "<style>\n\(Self.style)\n</style>\n</head>\n<body>\n"
        out += Self.markdownToHTML(bulletin)
        out += "<h2>图表</h2>\n<div class=\"charts\">\n"
        out += chart(title: "事故起数逐月对比", indicator: "accidents", categories: tables.months.map { "\(Int($0.suffix(2))!)月" },
                     keys: tables.months, series: [
                        ("本年", "#2b6cb0", tables.months.map { tables.value(.accidents, p.name, Breakdown(.month, $0)) }),
                        ("上年同期", "#a0aec0", tables.months.map { tables.previousValue(.accidents, p.name, Breakdown(.month, $0)) }),
                     ])
        let sectors = tables.pipeline.sectorList.entries
        out += chart(title: "分行业死亡人数", indicator: "deaths", categories: sectors.map(\.shortLabel), keys: sectors.map(\.name), series: [
            ("本年", "#c53030", sectors.map { tables.value(.deaths, p.name, .sector($0.name)) }),
            ("上年同期", "#feb2b2", sectors.map { tables.previousValue(.deaths, p.name, .sector($0.name)) }),
        ])
        out += chart(title: "分行业隐患整改率（%）", indicator: "rectification_rate", categories: sectors.map(\.shortLabel),
                     keys: sectors.map(\.name), percent: true,
                     series: [("整改率", "#2f855a", sectors.map { tables.value(.rectificationRate, p.name, .sector($0.name)) })])
        let actions: [IndicatorCode] = [.closures, .suspensions, .licencesSuspendedOrRevoked, .rectificationOrders, .fines]
        out += chart(title: "执法处罚（按类型）", indicator: "enforcement", categories: ["关闭取缔", "停产整顿", "暂扣吊销", "限期整改", "罚款"],
                     keys: actions.map(\.rawValue),
                     series: [("本年", "#6b46c1", actions.map { tables.value($0, p.name) }),
                              ("上年同期", "#d6bcfa", actions.map { tables.previousValue($0, p.name) })])
        out += "</div>\n"
        for sheet in tables.sheets + lists { out += table(sheet) }
        out += "<p class=\"note\">统计期\(p.start)至\(p.end)；上年同期\(p.sameLastYear.start)至\(p.sameLastYear.end)。"
        out += "数据来自各部门报送，经SafetyPipeline标准化、去重、校验后计算；空白表示无分母或无数据。</p>\n"
        out += "</body>\n</html>\n"
        return out
    }

    static func double(_ value: ExactDecimal) -> Double {
        var d = Double(value.units)
        for _ in 0..<value.scale { d /= 10 }
        return d
    }

    /// A grouped vertical bar chart; bars carry their exact values as data attributes.
    func chart(title: String, indicator: String, categories: [String], keys: [String], percent: Bool = false,
               series: [(name: String, color: String, values: [ExactDecimal?])]) -> String {
        let width = 360.0, height = 220.0, left = 30.0, bottom = 46.0, top = 24.0
        let plotHeight = height - bottom - top
        let maximum = percent ? 100 : max(1, series.flatMap { $0.values.compactMap { $0.map(HTMLReport.double) } }.max() ?? 1)
        let group = (width - left - 8) / Double(max(categories.count, 1))
        let bar = min(22, (group - 6) / Double(series.count))
        var svg = "<figure>\n<figcaption>\(MarkupText.escape(title))</figcaption>\n"
        svg += "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(MarkupText.escape(title))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        svg += "<line x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(width - 4)\" y2=\"\(top + plotHeight)\" stroke=\"#829ab1\"/>\n"
        for (c, category) in categories.enumerated() {
            let x0 = left + Double(c) * group + (group - bar * Double(series.count)) / 2
            for (s, entry) in series.enumerated() {
                let value = entry.values[c]
                let h = value.map { HTMLReport.double($0) / maximum * plotHeight } ?? 0
                let x = x0 + Double(s) * bar
                let text = value.map { percent ? $0.fixed(1) : $0.description } ?? "—"
                svg += "<rect x=\"\(Self.f(x))\" y=\"\(Self.f(top + plotHeight - h))\" width=\"\(Self.f(bar - 2))\" height=\"\(Self.f(h))\" "
                svg += "fill=\"\(entry.color)\" data-indicator=\"\(indicator)\" data-series=\"\(MarkupText.escape(entry.name))\" "
                svg += "data-key=\"\(MarkupText.escape(keys[c]))\" data-value=\"\(value.map { $0.description } ?? "")\"><title>\(MarkupText.escape(category)) \(MarkupText.escape(entry.name))：\(text)</title></rect>\n"
                svg += "<text class=\"value\" x=\"\(Self.f(x + (bar - 2) / 2))\" y=\"\(Self.f(top + plotHeight - h - 3))\" text-anchor=\"middle\">\(text)</text>\n"
            }
            svg += "<text x=\"\(Self.f(left + Double(c) * group + group / 2))\" y=\"\(Self.f(top + plotHeight + 14))\" text-anchor=\"middle\">\(MarkupText.escape(category))</text>\n"
        }
        for (s, entry) in series.enumerated() {
            let x = left + Double(s) * 90
            svg += "<rect x=\"\(Self.f(x))\" y=\"\(Self.f(height - 14))\" width=\"10\" height=\"10\" fill=\"\(entry.color)\"/>"
            svg += "<text x=\"\(Self.f(x + 14))\" y=\"\(Self.f(height - 5))\">\(MarkupText.escape(entry.name))</text>\n"
        }
        return svg + "</svg>\n</figure>\n"
    }

    static func f(_ x: Double) -> String {
        let rounded = (x * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    func table(_ sheet: ReportSheet) -> String {
        var out = "<h2>\(MarkupText.escape(sheet.name))</h2>\n"
        if let note = sheet.note { out += "<p class=\"note\">\(MarkupText.escape(note))</p>\n" }
        out += "<table data-sheet=\"\(MarkupText.escape(sheet.name))\">\n<thead><tr>"
        out += sheet.columns.map { "<th>\(MarkupText.escape($0.title))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for row in sheet.rows {
            out += "<tr>" + row.map { cell in
                if case .number(let value, _) = cell {
                    return "<td class=\"number\" data-value=\"\(value.description)\">\(MarkupText.escape(cell.display))</td>"
                }
                return "<td>\(MarkupText.escape(cell.display))</td>"
            }.joined() + "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }


    /// The bulletin's Markdown subset: headings, paragraphs, bullet lists and pipe tables.
    static func markdownToHTML(_ markdown: String) -> String {
        var out = ""
        for block in MarkdownBlock.parse(markdown) {
            switch block {
            case .heading(let level, let text):
                let tag = "h\(min(level, 3))"
                out += "<\(tag)>\(MarkupText.escape(text))</\(tag)>\n"
            case .paragraph(let text):
                out += "<p>\(MarkupText.escape(text))</p>\n"
            case .bullets(let items):
                out += "<ul>\n" + items.map { "<li>\(MarkupText.escape($0))</li>\n" }.joined() + "</ul>\n"
            case .table(let rows):
                out += "<table>\n<thead><tr>" + rows[0].map { "<th>\(MarkupText.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
                for row in rows.dropFirst() { out += "<tr>" + row.map { "<td>\(MarkupText.escape($0))</td>" }.joined() + "</tr>\n" }
                out += "</tbody>\n</table>\n"
            }
        }
        return out
    }
}
