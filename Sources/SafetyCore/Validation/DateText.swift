/// Reads dates as departments write them: 2020-10-31, 2020/10/31, 2020.10.31, 2020年10月31日,
/// 20201031, optionally followed by a time of day, which is ignored.
/// Day-first or month-first forms such as 10/11/2020 are refused as ambiguous.
public enum DateText {
    public static func parse(_ raw: String) -> Result<LocalDate, RejectionReason> {
        // Fast path: exactly YYYY-MM-DD or YYYY/MM/DD in ASCII, the common case.
        if raw.utf8.count == 10, let fast = raw.utf8.withContiguousStorageIfAvailable({ fastISO($0) }), let result = fast {
            return result
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
    /// `YYYY-MM-DD` or `YYYY/MM/DD` in ten ASCII bytes; nil when the text has another shape.
    public static func fastISO(_ b: UnsafeBufferPointer<UInt8>) -> Result<LocalDate, RejectionReason>? {
        guard b.count == 10, b[4] == b[7], b[4] == 0x2D || b[4] == 0x2F else { return nil }
        // Eight digits at fixed places, in straight-line code (a loop per part costs four times as much).
        let y0 = b[0] &- 0x30, y1 = b[1] &- 0x30, y2 = b[2] &- 0x30, y3 = b[3] &- 0x30
        let m0 = b[5] &- 0x30, m1 = b[6] &- 0x30, d0 = b[8] &- 0x30, d1 = b[9] &- 0x30
        guard y0 < 10, y1 < 10, y2 < 10, y3 < 10, m0 < 10, m1 < 10, d0 < 10, d1 < 10
        else { return nil }
        let year = Int(y0) * 1000 + Int(y1) * 100 + Int(y2) * 10 + Int(y3)
        let month = Int(m0) * 10 + Int(m1), day = Int(d0) * 10 + Int(d1)
        guard let date = LocalDate(year: year, month: month, day: day) else { return .failure(.impossibleDate) }
        return .success(date)
    }

    /// A date cell Excel stored as a serial number: days since 1899-12-30, with Excel's 1900
    /// leap-year quirk (serial 60 is the non-existent 1900-02-29; serials below 60 count from
    /// 1899-12-31). A fraction (time of day) is ignored. Nil when the text is not a bare number
    /// (digits with at most one decimal point): `2020.10.31` has the shape of a date, not a serial.
    ///
    /// `plausible` bounds the whole days where the text could have come from anywhere (a CSV
    /// column a mapping marks `excel_serial_dates`): outside it the text is not taken for a serial,
    /// so `2020` or `2020.10` reach the date reader and are refused rather than read as 1905.
    public static func excelSerial(_ raw: String, plausible: ClosedRange<Int>? = nil) -> Result<LocalDate, RejectionReason>? {
        let text = TextCleaning.trimmed(raw)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 6,
              parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              parts.count == 1 || !parts[1].isEmpty, let serial = Int(whole) else { return nil }
        if let plausible, !plausible.contains(serial) { return nil }
        if serial == 60 { return .failure(.impossibleDate) }
        if serial < 1 { return .failure(.notADate) }
        let origin = LocalDate(year: 1899, month: 12, day: serial < 60 ? 31 : 30)!
        return .success(origin.adding(days: serial))
    }

    /// Serials a text column can plausibly hold: 1927-05-18 (10000) to 2173-10-14 (99999).
    /// Excel's own date cells (XLSX) carry their type and are read over the whole range.
    public static let plausibleSerials = 10_000...99_999
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

/// Reads a time of day as departments write it: `09:47`, `9:47:30`, `9时47分`, or a date followed
/// by the time (`2020-01-07 09:47`, `2020-01-07T09:47:00`). Normalised to `HH:MM` (seconds dropped).
public enum TimeText {
    public static func parse(_ raw: String) -> Result<String, RejectionReason> {
        var text = DecimalText.normalizeDigits(TextCleaning.trimmed(raw))
        if let split = text.lastIndex(where: { $0 == " " || $0 == "T" }) { text = String(text[text.index(after: split)...]) }
        if text.hasSuffix("秒") { text.removeLast() }
        if text.hasSuffix("分") { text.removeLast() }
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "：" || $0 == "时" || $0 == "点" || $0 == "分" })
        guard parts.count == 2 || parts.count == 3,
              parts.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60,
              parts.count == 2 || Int(parts[2])! < 60
        else { return .failure(.notATime) }
        return .success((hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute))
    }
}
