/// Counts records into cells of (period window, breakdown). Memory holds one `Tally` per cell,
/// never records. Each requested period has up to three windows: itself, the same period last
/// year (同比) and, for months and quarters, the period before (环比).
///
/// Accumulators over the same periods merge exactly (`merge`), so shards of the data can be
/// counted apart and combined: the result equals one run over all of it.
public struct IndicatorAccumulator: Sendable, Codable {
    public let periods: [ReportingPeriod]
    /// Sector → the sector groups it belongs to (工矿商贸).
    public let sectorGroups: [String: [String]]
    public private(set) var cells: [Cell: Tally] = [:]
    /// What the exports behind these records cover (empty: not known, nothing checked).
    public var coverage = Coverage()

    public struct Cell: Hashable, Sendable, Codable {
        public var window: Int
        public var breakdown: Breakdown
    }

    enum Role: Int { case current = 0, lastYear = 1, prior = 2 }

    public init(periods: [ReportingPeriod], sectorGroups: [String: [String]] = [:]) {
        self.periods = periods
        self.sectorGroups = sectorGroups
    }

    public func window(_ index: Int) -> ReportingPeriod? {
        let period = periods[index / 3]
        switch Role(rawValue: index % 3)! {
        case .current: return period
        case .lastYear: return period.sameLastYear
        case .prior: return period.priorPeriod
        }
    }

    /// The date that places a record in a period: when it happened, was found or was decided.
    static func date(of record: NormalizedRecord) -> LocalDate {
        switch record {
        case .accident(let r): r.date
        case .hazard(let r): r.foundDate
        case .enforcement(let r): r.date
        case .inspection(let r): r.date
        case .drill(let r): r.date
        case .hazardSummary(let r): r.periodEnd
        }
    }

    /// Adds a record to every window and breakdown it falls in. An accident counts under the
    /// statistical scope only when operating; every accident counts under 全口径. (Streams of
    /// records go through `CellCounter`, which this uses for one record.)
    public mutating func add(_ record: NormalizedRecord) {
        var counter = CellCounter(IndicatorAccumulator(periods: periods, sectorGroups: sectorGroups))
        counter.add(record)
        for (cell, tally) in counter.finish().cells { addCell(cell, tally) }
    }

    /// Adds a counted cell (summing into one already there).
    mutating func addCell(_ cell: Cell, _ tally: Tally) {
        if cells[cell] == nil { cells[cell] = tally } else { cells[cell]!.merge(tally) }
    }

    /// Combines another accumulator over the same periods (a shard of the same data).
    public mutating func merge(_ other: IndicatorAccumulator) throws(MappingProblem) {
        guard other.periods == periods, other.sectorGroups == sectorGroups else {
            throw MappingProblem("partial aggregates were computed over different periods or sector groups")
        }
        cells.merge(other.cells) { var a = $0; a.merge($1); return a }
        coverage.merge(other.coverage)
    }

    /// How far the exports reach into window `index` for `kind` under `breakdown`: a source's own
    /// row asks its exports; every other row asks every department expected to export the kind.
    public func coverageState(window index: Int, kind: RecordKind, breakdown: Breakdown,
                              expected: [RecordKind: [String]]) -> Coverage.State {
        guard !coverage.isEmpty, let sources = expected[kind], !sources.isEmpty, let window = window(index) else { return .full }
        return coverage.state(of: kind, from: window.start, to: window.end,
                              sources: breakdown.dimension == .source ? [breakdown.key] : sources)
    }

    /// The table: for the total, every indicator; for a breakdown, the indicators of the kinds
    /// it has records of; relative indicators for the total (and GDP-relative deaths per region).
    /// `expected` names, per kind, the departments whose exports the figures need (from the
    /// pipeline's export rules); with `coverage` it decides which figures are left empty.
    public func table(sectors: CodeList, regions: CodeList, categories: CodeList = CodeList(AccidentCategories.gb6441),
                      relative: RelativeRules = RelativeRules(), rounding: RoundingMode = .halfUp,
                      expected: [RecordKind: [String]] = [:]) -> IndicatorTable {
        var rows: [IndicatorRow] = []
        let sectorOrder = Dictionary(uniqueKeysWithValues: sectors.names.enumerated().map { ($1, $0) })
        let regionOrder = Dictionary(uniqueKeysWithValues: regions.names.enumerated().map { ($1, $0) })
        let categoryOrder = Dictionary(uniqueKeysWithValues: categories.names.enumerated().map { ($1, $0) })
        func rank(_ b: Breakdown) -> (Int, Int, Int, String) {
            let d = Breakdown.Dimension.allCases.firstIndex(of: b.dimension)!
            let s = b.fullScope ? 1 : 0
            switch b.dimension {
            case .sector: return (s, d, sectorOrder[b.key] ?? Int.max, b.key)
            case .region: return (s, d, regionOrder[b.key] ?? Int.max, b.key)
            case .category: return (s, d, categoryOrder[b.key] ?? Int.max, b.key)
            default: return (s, d, 0, b.key)
            }
        }
        for (p, period) in periods.enumerated() {
            let present = Set(cells.keys.filter { $0.window / 3 == p }.map(\.breakdown)).union([.all])
            for breakdown in present.sorted(by: { rank($0) < rank($1) }) {
                let tallies = (0..<3).map { cells[Cell(window: 3 * p + $0, breakdown: breakdown)] }
                let hasPrior = period.priorPeriod != nil
                var states: [RecordKind: [Coverage.State]] = [:]
                func state(_ kind: RecordKind) -> [Coverage.State] {
                    if let known = states[kind] { return known }
                    let s = (0..<3).map { coverageState(window: 3 * p + $0, kind: kind, breakdown: breakdown, expected: expected) }
                    states[kind] = s
                    return s
                }
                // Values as the exports allow: nothing where a department sent nothing for the period,
                // no comparison period unless covered in full, no change where the period is covered in part.
                func row(_ code: IndicatorCode, grade: SeverityGrade? = nil, _ v: (ExactDecimal?, ExactDecimal?, ExactDecimal?),
                         unknown: (Int64, Int64, Int64) = (0, 0, 0)) -> IndicatorRow {
                    let s = state(code.kind)
                    let current: ExactDecimal? = if case .none = s[0] { nil } else { v.0 }
                    var comparable = true
                    if case .partial = s[0] { comparable = false }
                    return IndicatorRow(code: code, period: period, breakdown: breakdown, grade: grade, value: current,
                                        previousValue: s[1] == .full ? v.1 : nil, priorValue: s[2] == .full ? v.2 : nil,
                                        unknown: unknown, comparable: comparable, rounding: rounding)
                }
                func values(_ read: (Tally) -> ExactDecimal?) -> (ExactDecimal?, ExactDecimal?, ExactDecimal?) {
                    (read(tallies[0] ?? Tally()), read(tallies[1] ?? Tally()), hasPrior ? read(tallies[2] ?? Tally()) : nil)
                }
                for code in IndicatorCode.allCases {
                    if breakdown != .all, !tallies.contains(where: { ($0?.records[code.kind] ?? 0) > 0 }) { continue }
                    if code.isRelative {
                        guard !breakdown.fullScope else { continue }
                        guard breakdown == .all || (breakdown.dimension == .region && code == .deathsPer100mGDP) else { continue }
                        rows.append(row(code, relativeValues(code, period: p, breakdown: breakdown, rules: relative, rounding: rounding)))
                    } else if code == .accidentsByGrade {
                        for grade in SeverityGrade.allCases {
                            rows.append(row(code, grade: grade, values { ExactDecimal(integer: $0.accidentsByGrade[grade] ?? 0) }))
                        }
                    } else {
                        let unknown = tallies.map { $0?.unknown(code).unknown ?? 0 }
                        rows.append(row(code, values { $0.value(code, rounding: rounding) },
                                        unknown: (unknown[0], unknown[1], hasPrior ? unknown[2] : 0)))
                    }
                }
            }
        }
        return IndicatorTable(rows: rows)
    }

    /// Relative indicators for the three windows of period `p`; the denominator is the one of
    /// the window's end year (a year-to-date period uses its year's figure).
    func relativeValues(_ code: IndicatorCode, period p: Int, breakdown: Breakdown,
                        rules: RelativeRules, rounding: RoundingMode) -> (ExactDecimal?, ExactDecimal?, ExactDecimal?) {
        func one(_ role: Role) -> ExactDecimal? {
            let index = 3 * p + role.rawValue
            guard let window = window(index) else { return nil }
            let key = ReferenceData.Key(year: window.end.year, region: breakdown.key)
            switch code {
            case .deathsPer100mGDP:
                guard let gdp = rules.reference.gdpYi[key] else { return nil }
                return Rounding.ratio(cells[Cell(window: index, breakdown: breakdown)]?.deaths ?? 0, gdp, multiplier: 1, places: 3, mode: rounding)
            case .deathsPer100kWorkers:
                guard breakdown == .all, let group = rules.workersGroup, let workers = rules.reference.workers[key] else { return nil }
                let deaths = cells[Cell(window: index, breakdown: Breakdown(.sectorGroup, group))]?.deaths ?? 0
                return Rounding.ratio(deaths, workers, multiplier: 100_000, places: 3, mode: rounding)
            case .roadDeathsPer10kVehicles:
                guard breakdown == .all, let road = rules.roadSector, let vehicles = rules.reference.vehicles[key] else { return nil }
                let deaths = cells[Cell(window: index, breakdown: .sector(road))]?.deaths ?? 0
                return Rounding.ratio(deaths, vehicles, multiplier: 10_000, places: 2, mode: rounding)
            default:
                return nil
            }
        }
        return (one(.current), one(.lastYear), periods[p].priorPeriod == nil ? nil : one(.prior))
    }
}
