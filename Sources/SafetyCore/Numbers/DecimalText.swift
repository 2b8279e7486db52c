/// Reads numbers as clerks type them: thousands separators, full-width digits, a sign,
/// decimals, and an optional unit suffix (元, 万元, 万). All exact, no floating point.
public enum DecimalText {
    /// Maps full-width digits and punctuation to ASCII and drops spaces and thousands separators.
    public static func normalize(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF10...0xFF19: out.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            case 0xFF0E: out.append(".")
            case 0xFF0D: out.append("-")
            case 0xFF0B: out.append("+")
            case 0x2C, 0xFF0C, 0x20, 0x3000, 0x09: continue
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Parses a plain decimal (`-12.345`) into units at the given scale; nil if not a number
    /// or if it has more decimals than the scale can hold exactly.
    public static func units(_ text: String, scale: Int) -> Int64? {
        var chars = Substring(text)
        var negative = false
        if chars.first == "-" { negative = true; chars = chars.dropFirst() } else if chars.first == "+" { chars = chars.dropFirst() }
        guard !chars.isEmpty else { return nil }
        let parts = chars.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let whole = parts[0]
        var fraction = parts.count == 2 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty),
              whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        while fraction.count > scale, fraction.last == "0" { fraction = fraction.dropLast() }
        guard fraction.count <= scale, whole.count <= 15 else { return nil }
        let padded = String(fraction) + String(repeating: "0", count: scale - fraction.count)
        guard let w = Int64(whole.isEmpty ? "0" : String(whole)), let f = Int64(padded.isEmpty ? "0" : padded) else { return nil }
        let value = w * ExactDecimal.power(scale) + f
        return negative ? -value : value
    }

    /// A plain decimal (`-12.345`) at the scale it is written with; nil if not a number.
    public static func decimal(_ text: String) -> ExactDecimal? {
        let scale = text.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0
        guard scale <= 12, let units = units(text, scale: scale) else { return nil }
        return ExactDecimal(units: units, scale: scale)
    }

    /// Parses a count of people or events: a non-negative integer.
    public static func count(_ raw: String) -> Int? {
        let text = normalize(raw)
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), text.count <= 12 else { return nil }
        return Int(text)
    }

    /// Money in fen from text in `unit`, or in the unit written after the number (元, 万元, 万).
    public static func fen(_ raw: String, unit: MoneyUnit) -> Int64? {
        var text = normalize(raw)
        var unit = unit
        if text.hasSuffix("万元") { text.removeLast(2); unit = .wanYuan }
        else if text.hasSuffix("万") { text.removeLast(); unit = .wanYuan }
        else if text.hasSuffix("元") { text.removeLast(); unit = .yuan }
        switch unit {
        case .yuan: return units(text, scale: 2)
        case .wanYuan: return units(text, scale: 6)
        }
    }
}

/// The unit a money column is written in.
public enum MoneyUnit: String, Sendable, Hashable, Decodable {
    case yuan = "元"
    case wanYuan = "万元"
}

extension DecimalText {
    /// True for a number as Excel shows a long one it has converted: `3.41182E+17`, `1E+15`
    /// (digits, an optional fraction, E or e, an optional sign, digits).
    public static func isScientific(_ text: String) -> Bool {
        // It starts with a sign or a digit: names and most ids are ruled out by their first byte.
        guard let first = text.utf8.first, first == 0x2B || first == 0x2D || (first >= 0x30 && first <= 0x39) else { return false }
        var utf8 = text.utf8[...]
        guard utf8.contains(where: { $0 | 0x20 == 0x65 }) else { return false }  // no e or E: the usual case
        func digits() -> Int {
            let n = utf8.prefix(while: { $0 >= 0x30 && $0 <= 0x39 }).count
            utf8 = utf8.dropFirst(n)
            return n
        }
        if utf8.first == 0x2B || utf8.first == 0x2D { utf8 = utf8.dropFirst() }
        guard digits() > 0 else { return false }
        if utf8.first == 0x2E {
            utf8 = utf8.dropFirst()
            guard digits() > 0 else { return false }
        }
        guard let e = utf8.first, e | 0x20 == 0x65 else { return false }
        utf8 = utf8.dropFirst()
        if utf8.first == 0x2B || utf8.first == 0x2D { utf8 = utf8.dropFirst() }
        return digits() > 0 && utf8.isEmpty
    }
}
