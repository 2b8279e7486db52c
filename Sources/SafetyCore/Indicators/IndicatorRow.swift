/// One row of indicators.csv: an indicator for one period and breakdown, with the same period
/// last year (同比) and, for months and quarters, the period before (环比).
public struct IndicatorRow: Sendable, Hashable {
    public var code: IndicatorCode
    public var period: ReportingPeriod
    public var breakdown: Breakdown
    /// Set only on `accidents_by_grade` rows.
    public var grade: SeverityGrade?
    public var value: ExactDecimal?
    public var previousValue: ExactDecimal?
    public var priorValue: ExactDecimal?
    public var change: YearOverYearChange
    public var priorChange: YearOverYearChange
    /// For sums a department may not know (`IndicatorCode.canBeUnknown`): records of the period,
    /// and of the same period last year, whose figure is unknown and so not in the sum.
    public var unknownRecords: Int64
    public var previousUnknownRecords: Int64
    public var priorUnknownRecords: Int64

    /// A change is computed only between complete figures: a sum missing some records' figures
    /// is compared with nothing (its change stays empty), so a gap never reads as a fall; nor is
    /// a value the exports cover only in part (`comparable: false`).
    public init(code: IndicatorCode, period: ReportingPeriod, breakdown: Breakdown, grade: SeverityGrade? = nil,
                value: ExactDecimal?, previousValue: ExactDecimal?, priorValue: ExactDecimal? = nil,
                unknown: (current: Int64, previous: Int64, prior: Int64) = (0, 0, 0), comparable: Bool = true,
                rounding: RoundingMode = .halfUp) {
        self.code = code; self.period = period; self.breakdown = breakdown; self.grade = grade
        self.value = value; self.previousValue = previousValue; self.priorValue = priorValue
        self.unknownRecords = unknown.current; self.previousUnknownRecords = unknown.previous; self.priorUnknownRecords = unknown.prior
        let current = unknown.current == 0 && comparable ? value : nil
        self.change = YearOverYearChange(current: current, previous: unknown.previous == 0 ? previousValue : nil,
                                         isRate: code.isRate, rounding: rounding)
        self.priorChange = YearOverYearChange(current: current, previous: unknown.prior == 0 ? priorValue : nil,
                                              isRate: code.isRate, rounding: rounding)
    }

    public static let columns = ["indicator", "period", "period_start", "period_end"] + Breakdown.columns.map(\.rawValue)
        + ["scope", "grade", "value", "previous_value", "change", "change_pct", "prior_value", "prior_change", "prior_change_pct", "unit",
           "unknown_records", "previous_unknown_records", "prior_unknown_records"]

    /// Columns holding numbers (null in JSON and SQLite when empty); the rest are text.
    public static let numericColumns: Set<String> = ["value", "previous_value", "change", "change_pct", "prior_value", "prior_change",
                                                     "prior_change_pct", "unknown_records", "previous_unknown_records", "prior_unknown_records"]

    /// Index of the `value` column.
    public static let valueColumn = columns.firstIndex(of: "value")!

    /// Values in `columns` order; empty text for an absent value.
    public var fields: [String] {
        func text(_ value: ExactDecimal?) -> String {
            guard let value else { return "" }
            return code.decimals.map { value.fixed($0) } ?? value.description
        }
        let keys = Breakdown.columns.map { $0 == breakdown.dimension ? breakdown.key : "" }
        return [code.rawValue, period.name, period.start.description, period.end.description] + keys
            + [breakdown.fullScope ? Breakdown.fullScopeLabel : "", grade?.rawValue ?? "", text(value), text(previousValue), text(change.change), change.changePercent?.fixed(1) ?? "",
               text(priorValue), text(priorChange.change), priorChange.changePercent?.fixed(1) ?? "", code.unit,
               code.canBeUnknown ? String(unknownRecords) : "", code.canBeUnknown ? String(previousUnknownRecords) : "",
               code.canBeUnknown && period.priorPeriod != nil ? String(priorUnknownRecords) : ""]
    }

    /// Reads a row written by `fields` under the same rounding mode; nil when a cell is not what `fields` writes.
    public init?(fields: [String], rounding: RoundingMode = .halfUp) {
        guard fields.count == IndicatorRow.columns.count, let code = IndicatorCode(rawValue: fields[0]),
              let start = LocalDate(iso: fields[2]), let end = LocalDate(iso: fields[3]) else { return nil }
        func decimal(_ text: String) -> ExactDecimal?? {
            if text.isEmpty { return .some(nil) }
            return DecimalText.decimal(text).map { .some($0) }
        }
        var breakdown = Breakdown.all
        for (i, dimension) in Breakdown.columns.enumerated() where !fields[4 + i].isEmpty {
            guard breakdown == .all else { return nil }
            breakdown = Breakdown(dimension, fields[4 + i])
        }
        let v = IndicatorRow.valueColumn
        switch fields[v - 2] {
        case "": break
        case Breakdown.fullScopeLabel: breakdown = breakdown.inFullScope
        default: return nil
        }
        let grade = fields[v - 1].isEmpty ? nil : SeverityGrade(rawValue: fields[v - 1])
        guard fields[v - 1].isEmpty || grade != nil,
              let value = decimal(fields[v]), let previous = decimal(fields[v + 1]), let prior = decimal(fields[v + 4]) else { return nil }
        let kind = ReportingPeriod(parsing: fields[1])?.kind ?? .campaign
        let unknown = (Int64(fields[v + 8]) ?? 0, Int64(fields[v + 9]) ?? 0, Int64(fields[v + 10]) ?? 0)
        // Two complete values with no change between them were not comparable (exports covering the period in part).
        let notComparable = (value != nil && previous != nil && unknown.0 == 0 && unknown.1 == 0 && fields[v + 2].isEmpty)
            || (value != nil && prior != nil && unknown.0 == 0 && unknown.2 == 0 && fields[v + 5].isEmpty)
        self.init(code: code, period: ReportingPeriod(kind: kind, name: fields[1], start: start, end: end),
                  breakdown: breakdown, grade: grade, value: value, previousValue: previous, priorValue: prior,
                  unknown: unknown, comparable: !notComparable, rounding: rounding)
        guard self.fields == fields else { return nil }
    }
}

/// Every indicator for every requested period and breakdown, in a fixed order:
/// period (as configured), then breakdown (total, sectors, groups, regions, sources, months), then indicator.
public struct IndicatorTable: Sendable, Hashable {
    public var rows: [IndicatorRow]
    private var index: [Key: Int] = [:]
    struct Key: Hashable { var code: IndicatorCode; var period: String; var breakdown: Breakdown; var grade: SeverityGrade? }

    public init(rows: [IndicatorRow]) {
        self.rows = rows
        for (i, row) in rows.enumerated() {
            index[Key(code: row.code, period: row.period.name, breakdown: row.breakdown, grade: row.grade)] = i
        }
    }

    public func row(_ code: IndicatorCode, period: String, breakdown: Breakdown = .all, grade: SeverityGrade? = nil) -> IndicatorRow? {
        index[Key(code: code, period: period, breakdown: breakdown, grade: grade)].map { rows[$0] }
    }

    /// The periods in row order.
    public var periods: [ReportingPeriod] {
        var seen: Set<String> = []
        return rows.compactMap { seen.insert($0.period.name).inserted ? $0.period : nil }
    }

    public static func == (lhs: IndicatorTable, rhs: IndicatorTable) -> Bool { lhs.rows == rhs.rows }
    public func hash(into hasher: inout Hasher) { hasher.combine(rows) }
}
