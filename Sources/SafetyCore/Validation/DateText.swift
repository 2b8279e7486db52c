/// Reads dates as departments write them: 2020-10-31, 2020/10/31, 2020.10.31, 2020年10月31日,
/// 20201031, optionally followed by a time of day, which is ignored.
/// Day-first or month-first forms such as 10/11/2020 are refused as ambiguous.
public enum DateText {
    public static func parse(_ raw: String) -> Result<LocalDate, RejectionReason> {
        var text = DecimalText.normalizeDigits(TextCleaning.trimmed(raw))
        if let space = text.firstIndex(where: { $0 == " " || $0 == "T" }) { text = String(text[..<space]) }
        if text.hasSuffix("日") { text.removeLast() }
        let separators: Set<Character> = ["-", "/", ".", "年", "月"]
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { separators.contains($0) })
        let numbers: [Int]
        if parts.count == 1 {
            guard text.count == 8, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure(.notADate) }
            numbers = [Int(text.prefix(4))!, Int(text.dropFirst(4).prefix(2))!, Int(text.suffix(2))!]
        } else {
            guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy { $0.isASCII && $0.isNumber } })
            else { return .failure(.notADate) }
            if parts[0].count != 4 {
                return parts[2].count == 4 ? .failure(.ambiguousDate) : .failure(.notADate)
            }
            guard parts[1].count <= 2, parts[2].count <= 2 else { return .failure(.notADate) }
            numbers = parts.map { Int($0)! }
        }
        guard let date = LocalDate(year: numbers[0], month: numbers[1], day: numbers[2]) else {
            return .failure(.impossibleDate)
        }
        return .success(date)
    }
}

extension DecimalText {
    /// Full-width digits to ASCII, everything else unchanged.
    public static func normalizeDigits(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { (0xFF10...0xFF19).contains($0.value) }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if (0xFF10...0xFF19).contains(scalar.value) {
                out.unicodeScalars.append(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
