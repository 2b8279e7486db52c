/// Reads dates as departments write them: 2020-10-31, 2020/10/31, 2020.10.31, 2020年10月31日,
/// 20201031, optionally followed by a time of day, which is ignored.
/// Day-first or month-first forms such as 10/11/2020 are refused as ambiguous.
public enum DateText {
    public static func parse(_ raw: String) -> Result<LocalDate, RejectionReason> {
        // Fast path: exactly YYYY-MM-DD or YYYY/MM/DD in ASCII, the common case.
        var bytes = raw.utf8.makeIterator()
        var digits: [Int] = []
        digits.reserveCapacity(8)
        var separator: UInt8 = 0
        var count = 0
        var simple = raw.utf8.count == 10
        while simple, let b = bytes.next() {
            if count == 4 || count == 7 {
                if count == 4 { separator = b }
                simple = (b == 0x2D || b == 0x2F) && b == separator
            } else if b >= 0x30 && b <= 0x39 {
                digits.append(Int(b - 0x30))
            } else {
                simple = false
            }
            count += 1
        }
        if simple {
            let y = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3]
            guard let date = LocalDate(year: y, month: digits[4] * 10 + digits[5], day: digits[6] * 10 + digits[7]) else {
                return .failure(.impossibleDate)
            }
            return .success(date)
        }
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

extension DateText {
    /// A date cell Excel stored as a serial number: days since 1899-12-30, with Excel's 1900
    /// leap-year quirk (serial 60 is the non-existent 1900-02-29; serials below 60 count from
    /// 1899-12-31). A fraction (time of day) is ignored. Nil when the text is not a serial.
    public static func excelSerial(_ raw: String) -> Result<LocalDate, RejectionReason>? {
        let text = TextCleaning.trimmed(raw)
        let whole = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard !whole.isEmpty, whole.count <= 6, whole.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }), let serial = Int(whole) else { return nil }
        if serial == 60 { return .failure(.impossibleDate) }
        if serial < 1 { return .failure(.notADate) }
        let origin = LocalDate(year: 1899, month: 12, day: serial < 60 ? 31 : 30)!
        return .success(origin.adding(days: serial))
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
