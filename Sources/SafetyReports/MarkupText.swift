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
