/// Counts records into an `IndicatorAccumulator`'s cells without hashing a string per record:
/// breakdown keys (region, sector, source department, month) become small slot numbers once,
/// and each record finds its cells by array index. `finish()` gives the accumulator, whose cells
/// are exactly those `IndicatorAccumulator.add` would have made.
///
/// A reader that already knows which records share a region, sector or source passes its own
/// small ids (`add(_:regionID:sectorID:sourceID:)`), so not even a lookup by text is needed.
public struct CellCounter {
    private var accumulator: IndicatorAccumulator
    /// The windows that exist: index into the accumulator's windows, first and last day, role.
    private let windows: [(index: Int, first: Int, last: Int, end: LocalDate, role: IndicatorAccumulator.Role)]
    private let windowSlots: Int
    private var breakdowns: [Breakdown] = []
    /// Per slot, per window: the tally index of the statistical and the full-scope cell, or -1.
    private var cellOf: [Int32] = []
    private var tallies: [Tally] = []
    private var slotOfText: [Breakdown: Int] = [:]
    /// Caller ids → slots (-1 unknown yet).
    private var regionSlots: [Int] = [], sectorSlots: [Int] = [], sourceSlots: [Int] = []
    /// Sector slot → the slots of its groups (nil: not looked up yet).
    private var groupSlotsOfSector: [[Int]?] = []
    /// `year * 12 + month - 1` → the month's slot, -1 not made yet.
    private var monthSlots: [Int] = []
    private var slotBuffer: [Int] = []
    /// The slot of `.all`, found once.
    private var allSlot = -1

    public init(_ accumulator: IndicatorAccumulator) {
        self.accumulator = accumulator
        var windows: [(Int, Int, Int, LocalDate, IndicatorAccumulator.Role)] = []
        for index in 0..<(accumulator.periods.count * 3) {
            guard let window = accumulator.window(index) else { continue }
            windows.append((index, window.start.dayNumber, window.end.dayNumber, window.end,
                            IndicatorAccumulator.Role(rawValue: index % 3)!))
        }
        self.windows = windows
        self.windowSlots = accumulator.periods.count * 3 * 2
    }

    public init(periods: [ReportingPeriod], sectorGroups: [String: [String]] = [:]) {
        self.init(IndicatorAccumulator(periods: periods, sectorGroups: sectorGroups))
    }

    private mutating func slot(_ breakdown: Breakdown) -> Int {
        if let slot = slotOfText[breakdown] { return slot }
        let slot = breakdowns.count
        breakdowns.append(breakdown)
        slotOfText[breakdown] = slot
        cellOf.append(contentsOf: repeatElement(-1, count: windowSlots))
        return slot
    }

    private enum Keyed { case region, sector, source }

    /// The slot of the caller's id in one dimension, made from `breakdown` the first time.
    private mutating func slot(_ dimension: Keyed, id: Int, _ breakdown: @autoclosure () -> Breakdown) -> Int {
        func known(_ table: [Int]) -> Int { id < table.count ? table[id] : -1 }
        let found: Int
        switch dimension {
        case .region: found = known(regionSlots)
        case .sector: found = known(sectorSlots)
        case .source: found = known(sourceSlots)
        }
        if found >= 0 { return found }
        let made = slot(breakdown())
        func store(_ table: inout [Int]) {
            if id >= table.count { table.append(contentsOf: repeatElement(-1, count: id + 1 - table.count)) }
            table[id] = made
        }
        switch dimension {
        case .region: store(&regionSlots)
        case .sector: store(&sectorSlots)
        case .source: store(&sourceSlots)
        }
        return made
    }

    /// Adds a record whose region, sector and source carry the caller's ids: equal texts, equal
    /// ids (small, from 0). `sectorID` is ignored for kinds without a sector.
    public mutating func add(_ record: NormalizedRecord, regionID: Int, sectorID: Int, sourceID: Int) {
        // What counting needs of the record, taken in one pass (each look into the enum copies it).
        let day: LocalDate, region: String, sector: String, category: String?, contribution: Tally.Contribution
        var statistical = true, full = false
        switch record {
        case .accident(let r):
            day = r.date; region = r.region; sector = r.sector; contribution = Tally.Contribution(r)
            category = r.category.isEmpty ? AccidentCategories.unknownKey : r.category
            statistical = r.scope == .operating
            full = true
        case .hazard(let r): day = r.foundDate; region = r.region; sector = r.sector; category = nil; contribution = Tally.Contribution(r)
        case .enforcement(let r): day = r.date; region = r.region; sector = r.sector; category = nil; contribution = Tally.Contribution(r)
        case .inspection(let r): day = r.date; region = r.region; sector = r.sector; category = nil; contribution = Tally.Contribution(r)
        case .drill(let r): day = r.date; region = r.region; sector = ""; category = nil; contribution = Tally.Contribution(r)
        case .hazardSummary: return
        }
        let date = day.dayNumber
        var slots = slotBuffer
        slots.removeAll(keepingCapacity: true)
        var resolved = false
        for window in windows where window.first <= date && date <= window.last {
            if !resolved {
                resolved = true
                if allSlot < 0 { allSlot = slot(.all) }
                slots.append(allSlot)
                slots.append(slot(.region, id: regionID, .region(region)))
                slots.append(slot(.source, id: sourceID, Breakdown(.source, record.provenance.source)))
                if !sector.isEmpty {
                    let s = slot(.sector, id: sectorID, .sector(sector))
                    slots.append(s)
                    if s < groupSlotsOfSector.count, let groups = groupSlotsOfSector[s] {
                        slots.append(contentsOf: groups)
                    } else {
                        let groups = (accumulator.sectorGroups[sector] ?? []).map { slot(Breakdown(.sectorGroup, $0)) }
                        if s >= groupSlotsOfSector.count { groupSlotsOfSector.append(contentsOf: repeatElement(nil, count: s + 1 - groupSlotsOfSector.count)) }
                        groupSlotsOfSector[s] = groups
                        slots.append(contentsOf: groups)
                    }
                }
                if let category { slots.append(slot(Breakdown(.category, category))) }
            }
            let fixed = slots.count
            if window.role != .prior {
                // Months of last year's window carry this year's label, so rows line up.
                let year = day.year + (window.role == .lastYear ? 1 : 0)
                let key = year * 12 + day.month - 1  // a date's year is 1...10000 here
                if key >= monthSlots.count { monthSlots.append(contentsOf: repeatElement(-1, count: key + 1 - monthSlots.count)) }
                var monthSlot = monthSlots[key]
                if monthSlot < 0 {
                    monthSlot = slot(Breakdown(.month, "\(year)-\(day.month < 10 ? "0" : "")\(day.month)"))
                    monthSlots[key] = monthSlot
                }
                slots.append(monthSlot)
            }
            for s in slots {
                let base = s * windowSlots + window.index * 2
                if statistical { count(contribution, cell: base, windowEnd: window.end) }
                if full { count(contribution, cell: base + 1, windowEnd: window.end) }
            }
            slots.removeLast(slots.count - fixed)
        }
        slotBuffer = slots
    }

    @inline(__always) private mutating func count(_ record: Tally.Contribution, cell: Int, windowEnd: LocalDate) {
        var index = Int(cellOf[cell])
        if index < 0 {
            index = tallies.count
            tallies.append(Tally())
            cellOf[cell] = Int32(index)
        }
        tallies[index].add(record, windowEnd: windowEnd)
    }

    /// Starts a new id space (another reader's ids); slots already counted stay.
    public mutating func forgetIDs() {
        regionSlots.removeAll(); sectorSlots.removeAll(); sourceSlots.removeAll()
    }

    /// Adds a record, finding its slots by text.
    public mutating func add(_ record: NormalizedRecord) {
        let region: String, sector: String
        switch record {
        case .accident(let r): region = r.region; sector = r.sector
        case .hazard(let r): region = r.region; sector = r.sector
        case .enforcement(let r): region = r.region; sector = r.sector
        case .inspection(let r): region = r.region; sector = r.sector
        case .drill(let r): region = r.region; sector = ""
        case .hazardSummary: return
        }
        add(record, regionID: slot(.region(region)), sectorID: sector.isEmpty ? 0 : slot(.sector(sector)),
            sourceID: slot(Breakdown(.source, record.provenance.source)))
    }

    /// The accumulator with every counted cell.
    public func finish() -> IndicatorAccumulator {
        var result = accumulator
        for (slot, breakdown) in breakdowns.enumerated() {
            for window in 0..<(windowSlots / 2) {
                for full in 0..<2 {
                    let index = Int(cellOf[slot * windowSlots + window * 2 + full])
                    guard index >= 0 else { continue }
                    result.addCell(IndicatorAccumulator.Cell(window: window, breakdown: full == 1 ? breakdown.inFullScope : breakdown),
                                   tallies[index])
                }
            }
        }
        return result
    }
}
