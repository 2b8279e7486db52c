/// Text helpers the workbook, the HTML report and the plain-text bulletin share.
enum MarkupText {
    /// XML and HTML text: markup characters escaped, CR as a reference (a literal CR would be
    /// read back as LF), characters XML 1.0 cannot carry dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\r": out += "&#13;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The cells of a Markdown pipe-table line, trimmed; nil for the rule row (`|---|---:|`).
    static func tableCells(_ line: Substring) -> [String]? {
        let cells = line.split(separator: "|").map { String($0.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
            .filter { !$0.isEmpty }
        return cells.allSatisfy({ $0.allSatisfy { "-:".contains($0) } }) ? nil : cells
    }
}

/// The bulletin's Markdown subset as blocks: headings, paragraphs (one per line), bullet lists
/// and pipe tables. The HTML report and the .docx are written from these, so both read the
/// Markdown the same way.
enum MarkdownBlock: Equatable {
    case heading(level: Int, text: String)
    case paragraph(String)
    case bullets([String])
    /// Rows of cells, the header first (the rule row dropped).
    case table([[String]])

    static func parse(_ markdown: String) -> [MarkdownBlock] {
        var blocks: [MarkdownBlock] = [], bullets: [String] = [], rows: [[String]] = []
        func flush() {
            if !bullets.isEmpty { blocks.append(.bullets(bullets)); bullets = [] }
            if !rows.isEmpty { blocks.append(.table(rows)); rows = [] }
        }
        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if raw.hasPrefix("|") {
                if !bullets.isEmpty { flush() }
                if let cells = MarkupText.tableCells(raw) { rows.append(cells) }
                continue
            }
            if raw.hasPrefix("- ") {
                if !rows.isEmpty { flush() }
                bullets.append(String(raw.dropFirst(2)))
                continue
            }
            flush()
            if raw.isEmpty { continue }
            let level = raw.prefix { $0 == "#" }.count
            blocks.append(level > 0 ? .heading(level: level, text: String(raw.dropFirst(level).drop { $0 == " " })) : .paragraph(String(raw)))
        }
        flush()
        return blocks
    }
}
