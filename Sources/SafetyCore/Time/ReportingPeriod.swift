/// A closed range of dates the office reports on: a month, a quarter, a year, year to date
/// (截至N月底) or a named campaign such as 百日除患铸安.
///
/// Both bounds are inclusive. `sameLastYear` gives the comparison period (上年同期), so
/// October year-to-date compares with October year-to-date.
public struct ReportingPeriod: Hashable, Sendable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case month, quarter, year, yearToDate = "ytd", campaign
    }

    public let kind: Kind
    /// The campaign's name, or the canonical text of the period (`2020-YTD-10`).
    public let name: String
    public let start: LocalDate
    public let end: LocalDate

    public init(kind: Kind, name: String, start: LocalDate, end: LocalDate) {
        self.kind = kind
        self.name = name
        self.start = start
        self.end = end
    }

    public func contains(_ date: LocalDate) -> Bool { start <= date && date <= end }

    /// Same period last year, so October year-to-date compares with October year-to-date.
    public var sameLastYear: ReportingPeriod {
        ReportingPeriod(kind: kind, name: name, start: start.sameDayLastYear, end: end.sameDayLastYear)
    }

    /// The period just before (环比): the previous month or quarter; nil for other kinds.
    public var priorPeriod: ReportingPeriod? {
        switch kind {
        case .month:
            let end = start.adding(days: -1)
            return ReportingPeriod(parsing: "\(end.year)-\(end.month < 10 ? "0" : "")\(end.month)")
        case .quarter:
            let end = start.adding(days: -1)
            return ReportingPeriod(parsing: "\(end.year)Q\((end.month - 1) / 3 + 1)")
        default:
            return nil
        }
    }

    /// Parses `2020-10` (month), `2020Q3`, `2020` (year), `2020-YTD-10` (January to the end of October;
    /// `2020-YTD-09` and `2020-YTD-9` are the same period, named `2020-YTD-09`).
    public init?(parsing text: String) {
        let upper = text.uppercased()
        if upper.contains("-YTD-") {
            let parts = upper.components(separatedByString: "-YTD-")
            guard parts.count == 2, (1...2).contains(parts[1].count), let y = Int(parts[0]), let m = Int(parts[1]),
                  let s = LocalDate(year: y, month: 1, day: 1),
                  let e = LocalDate(year: y, month: m, day: LocalDate.daysIn(month: m, year: y))
            else { return nil }
            // One spelling everywhere, as a month is spelled: 2022-YTD-09 (2022-YTD-9 is read too).
            self.init(kind: .yearToDate, name: "\(y)-YTD-" + (m < 10 ? "0\(m)" : "\(m)"), start: s, end: e)
        } else if upper.count == 6, upper.dropFirst(4).first == "Q",
                  let y = Int(upper.prefix(4)), let q = Int(upper.suffix(1)), (1...4).contains(q) {
            let firstMonth = (q - 1) * 3 + 1
            self.init(kind: .quarter, name: "\(y)Q\(q)", start: LocalDate(year: y, month: firstMonth, day: 1)!,
                      end: LocalDate(year: y, month: firstMonth + 2,
                                     day: LocalDate.daysIn(month: firstMonth + 2, year: y))!)
        } else if upper.count == 4, let y = Int(upper), let s = LocalDate(year: y, month: 1, day: 1) {
            self.init(kind: .year, name: upper, start: s, end: LocalDate(year: y, month: 12, day: 31)!)
        } else if upper.count == 7, upper.dropFirst(4).first == "-",
                  let y = Int(upper.prefix(4)), let m = Int(upper.suffix(2)),
                  let s = LocalDate(year: y, month: m, day: 1) {
            self.init(kind: .month, name: upper, start: s,
                      end: LocalDate(year: y, month: m, day: LocalDate.daysIn(month: m, year: y))!)
        } else {
            return nil
        }
    }
}

extension String {
    /// Splits on a multi-character separator without Foundation.
    func components(separatedByString separator: String) -> [String] {
        var result: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            result.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        result.append(String(rest))
        return result
    }
}
