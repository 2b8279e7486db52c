/// A calendar date with no time zone, as departments write it (事故发生日期, 发现日期).
///
/// Ordered, and convertible to a day number so periods can be shifted and measured
/// without Foundation. Only valid Gregorian dates can be constructed.
public struct LocalDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Returns nil for an impossible date such as 2020-02-30.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (civil-from-days algorithm, proleptic Gregorian).
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(dayNumber: Int) {
        let z = dayNumber + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// The same calendar day one year earlier; 29 February becomes 28 February.
    public var sameDayLastYear: LocalDate {
        LocalDate(year: year - 1, month: month, day: day)
            ?? LocalDate(year: year - 1, month: month, day: LocalDate.daysIn(month: month, year: year - 1))!
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// ISO 8601 calendar date, `2020-10-31`.
    public var description: String {
        // Ten ASCII bytes on the stack: a small string, no allocation.
        withISOBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// The bytes of `description`, valid inside `body` only.
    @inlinable public func withISOBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        // The parts are in range (1...9999, 1...12, 1...31): unsigned digits, no overflow checks.
        let (y, m, d) = (UInt(truncatingIfNeeded: year), UInt(truncatingIfNeeded: month), UInt(truncatingIfNeeded: day))
        @inline(__always) func digit(_ x: UInt) -> UInt8 { UInt8(truncatingIfNeeded: 48 &+ x) }
        let digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (
            digit(y / 1000 % 10), digit(y / 100 % 10), digit(y / 10 % 10), digit(y % 10), 45,
            digit(m / 10), digit(m % 10), 45, digit(d / 10), digit(d % 10))
        return withUnsafeBytes(of: digits) { body($0.bindMemory(to: UInt8.self)) }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(iso: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a date: \(text)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Parses exactly `YYYY-MM-DD`, the normalized form.
    public init?(iso text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        self.init(year: y, month: m, day: d)
    }
}
