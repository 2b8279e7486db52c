/// Counts records into cells of (period window, breakdown). Memory holds one `Tally` per cell,
/// never records; each requested period has two windows, itself and the same period last year.
public struct IndicatorAccumulator: Sendable {
    public let periods: [ReportingPeriod]
    private let windows: [ReportingPeriod]
    public private(set) var cells: [Cell: Tally] = [:]

    public struct Cell: Hashable, Sendable {
        public var window: Int
        public var breakdown: Breakdown
    }

    public init(periods: [ReportingPeriod]) {
        self.periods = periods
        self.windows = periods.flatMap { [$0, $0.sameLastYear] }
    }

    /// The date that places a record in a period: when it happened, was found or was decided.
    static func date(of record: NormalizedRecord) -> LocalDate {
        switch record {
        case .accident(let r): r.date
        case .hazard(let r): r.foundDate
        case .enforcement(let r): r.date
        case .inspection(let r): r.date
        case .drill(let r): r.date
        }
    }

    static func breakdowns(of record: NormalizedRecord) -> [Breakdown] {
        let region: String, sector: String
        switch record {
        case .accident(let r): region = r.region; sector = r.sector
        case .hazard(let r): region = r.region; sector = r.sector
        case .enforcement(let r): region = r.region; sector = r.sector
        case .inspection(let r): region = r.region; sector = r.sector
        case .drill(let r): region = r.region; sector = ""
        }
        var result = [Breakdown.all, Breakdown(sector: "", region: region)]
        if !sector.isEmpty { result.append(Breakdown(sector: sector, region: "")) }
        return result
    }

    public mutating func add(_ record: NormalizedRecord) {
        let date = IndicatorAccumulator.date(of: record)
        for (w, window) in windows.enumerated() where window.contains(date) {
            for breakdown in IndicatorAccumulator.breakdowns(of: record) {
                cells[Cell(window: w, breakdown: breakdown), default: Tally()].add(record, windowEnd: window.end)
            }
        }
    }

    /// Combines another accumulator over the same periods (a shard of the same data).
    public mutating func merge(_ other: IndicatorAccumulator) {
        precondition(other.periods == periods, "merging accumulators over different periods")
        cells.merge(other.cells) { var a = $0; a.merge($1); return a }
    }

    /// The table: for the whole, every indicator; for a breakdown, the indicators of kinds it has records of.
    public func table(sectors: CodeList, regions: CodeList) -> IndicatorTable {
        var rows: [IndicatorRow] = []
        let sectorOrder = Dictionary(uniqueKeysWithValues: sectors.names.enumerated().map { ($1, $0) })
        let regionOrder = Dictionary(uniqueKeysWithValues: regions.names.enumerated().map { ($1, $0) })
        func rank(_ b: Breakdown) -> (Int, Int, String) {
            if b == .all { return (0, 0, "") }
            if b.region.isEmpty { return (1, sectorOrder[b.sector] ?? Int.max, b.sector) }
            return (2, regionOrder[b.region] ?? Int.max, b.region)
        }
        for (p, period) in periods.enumerated() {
            let present = Set(cells.keys.filter { $0.window / 2 == p }.map(\.breakdown)).union([.all])
            for breakdown in present.sorted(by: { rank($0) < rank($1) }) {
                let current = cells[Cell(window: 2 * p, breakdown: breakdown)] ?? Tally()
                let previous = cells[Cell(window: 2 * p + 1, breakdown: breakdown)] ?? Tally()
                for code in IndicatorCode.allCases {
                    if breakdown != .all, (current.records[code.kind] ?? 0) + (previous.records[code.kind] ?? 0) == 0 { continue }
                    rows.append(IndicatorRow(code: code, period: period, breakdown: breakdown,
                                             value: current.value(code), previousValue: previous.value(code)))
                }
            }
        }
        return IndicatorTable(rows: rows)
    }
}
