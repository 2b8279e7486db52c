/// A breakdown key: empty sector or region means all.
public struct Breakdown: Hashable, Sendable {
    public var sector: String
    public var region: String
    public static let all = Breakdown(sector: "", region: "")
    public init(sector: String, region: String) { self.sector = sector; self.region = region }
}

/// One row of indicators.csv: an indicator for one period and breakdown, with the same period
/// of last year and the change.
public struct IndicatorRow: Sendable, Hashable {
    public var code: IndicatorCode
    public var period: ReportingPeriod
    public var breakdown: Breakdown
    public var value: ExactDecimal?
    public var previousValue: ExactDecimal?
    public var change: YearOverYearChange

    public init(code: IndicatorCode, period: ReportingPeriod, breakdown: Breakdown,
                value: ExactDecimal?, previousValue: ExactDecimal?) {
        self.code = code; self.period = period; self.breakdown = breakdown
        self.value = value; self.previousValue = previousValue
        self.change = YearOverYearChange(current: value, previous: previousValue, isRate: code.isRate)
    }

    public static let columns = ["indicator", "period", "period_start", "period_end", "sector", "region",
                                 "value", "previous_value", "change", "change_pct", "unit"]

    /// Values in `columns` order; empty text for an absent value.
    public var fields: [String] {
        func text(_ value: ExactDecimal?) -> String {
            guard let value else { return "" }
            return code.isRate ? value.fixed(1) : value.description
        }
        return [code.rawValue, period.name, period.start.description, period.end.description,
                breakdown.sector, breakdown.region, text(value), text(previousValue), text(change.change),
                change.changePercent?.fixed(1) ?? "", code.unit]
    }

    /// Reads a row written by `fields`; nil when a cell is not what `fields` writes.
    public init?(fields: [String]) {
        guard fields.count == IndicatorRow.columns.count, let code = IndicatorCode(rawValue: fields[0]),
              let start = LocalDate(iso: fields[2]), let end = LocalDate(iso: fields[3]) else { return nil }
        func decimal(_ text: String) -> ExactDecimal?? {
            if text.isEmpty { return .some(nil) }
            let scale = text.split(separator: ".").dropFirst().first?.count ?? 0
            guard let units = DecimalText.units(text, scale: scale) else { return nil }
            return .some(ExactDecimal(units: units, scale: scale))
        }
        guard let value = decimal(fields[6]), let previous = decimal(fields[7]) else { return nil }
        let kind = ReportingPeriod(parsing: fields[1])?.kind ?? .campaign
        self.init(code: code, period: ReportingPeriod(kind: kind, name: fields[1], start: start, end: end),
                  breakdown: Breakdown(sector: fields[4], region: fields[5]), value: value, previousValue: previous)
    }
}

/// Every indicator for every requested period and breakdown, in a fixed order:
/// period (as configured), then all / by sector / by region (code-list order), then indicator.
public struct IndicatorTable: Sendable, Hashable {
    public var rows: [IndicatorRow]
    private var index: [Key: Int] = [:]
    struct Key: Hashable { var code: IndicatorCode; var period: String; var breakdown: Breakdown }

    public init(rows: [IndicatorRow]) {
        self.rows = rows
        for (i, row) in rows.enumerated() {
            index[Key(code: row.code, period: row.period.name, breakdown: row.breakdown)] = i
        }
    }

    public func row(_ code: IndicatorCode, period: String, breakdown: Breakdown = .all) -> IndicatorRow? {
        index[Key(code: code, period: period, breakdown: breakdown)].map { rows[$0] }
    }

    /// The periods in row order.
    public var periods: [ReportingPeriod] {
        var seen: Set<String> = []
        return rows.compactMap { seen.insert($0.period.name).inserted ? $0.period : nil }
    }

    public static func == (lhs: IndicatorTable, rhs: IndicatorTable) -> Bool { lhs.rows == rhs.rows }
    public func hash(into hasher: inout Hasher) { hasher.combine(rows) }
}
