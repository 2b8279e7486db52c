/// Counts records into an `IndicatorAccumulator`'s cells without hashing a string per record:
/// breakdown keys (region, sector, source department, month) become small slot numbers once.
/// A record is counted once per window, into the fine cell of its combination of slots and its
/// month; `finish()` adds each fine cell into every cell it stands for (tallies add exactly) and
/// gives the accumulator, whose cells are exactly those `IndicatorAccumulator.add` would have made.
///
/// A reader that already knows which records share a region, sector or source passes its own
/// small ids (`add(_:regionID:sectorID:sourceID:)`), so not even a lookup by text is needed.
public struct CellCounter {
    private var accumulator: IndicatorAccumulator
    /// The windows that exist: index into the accumulator's windows, first and last day, role.
    private let windows: [(index: Int, first: Int, last: Int, end: LocalDate, role: IndicatorAccumulator.Role)]
    private let windowSlots: Int
    private var breakdowns: [Breakdown] = []
    private var slotOfText: [Breakdown: Int] = [:]
    /// Caller ids → slots (-1 unknown yet).
    private var regionSlots: [Int] = [], sectorSlots: [Int] = [], sourceSlots: [Int] = []
    /// Sector slot → the slots of its groups (nil: not looked up yet).
    private var groupSlotsOfSector: [[Int]?] = []
    /// `year * 12 + month - 1` → the month's slot, -1 not made yet.
    private var monthSlots: [Int] = []
    /// Region, source, sector and category slots → a combination (`combo`), and its cells' slots.
    private struct ComboKey: Hashable { var region, source, sector, category: Int32 }
    private var comboOf: [ComboKey: Int] = [:]
    private var comboSlots: [[Int]] = []
    private var lastCombo = (key: ComboKey(region: -1, source: -1, sector: -1, category: -1), index: -1)
    /// What records are counted into: (combination, window and scope, month slot or -1).
    private struct FineCell: Hashable { var combo, cell, month: Int32 }
    /// Fine cell → its index (into `fineCells`, `fineTallies`), by open addressing: a record
    /// looks up a fine cell per window, and hashing through `Hasher` cost more than the counting.
    private var fineSlots = [Int32](repeating: -1, count: 64)
    private var fineCells: [FineCell] = []
    private var fineTallies: [Tally] = []
    private var lastFine = (cell: FineCell(combo: -1, cell: -1, month: -1), index: -1)
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
        var combo = -1
        for window in windows where window.first <= date && date <= window.last {
            if combo < 0 {
                combo = self.combo(region: slot(.region, id: regionID, .region(region)),
                                   source: slot(.source, id: sourceID, Breakdown(.source, record.provenance.source)),
                                   sector: sector.isEmpty ? -1 : slot(.sector, id: sectorID, .sector(sector)), sectorName: sector,
                                   category: category.map { slot(Breakdown(.category, $0)) } ?? -1)
            }
            var monthSlot = -1
            if window.role != .prior {
                // Months of last year's window carry this year's label, so rows line up.
                let year = day.year + (window.role == .lastYear ? 1 : 0)
                let key = year * 12 + day.month - 1  // a date's year is 1...10000 here
                if key >= monthSlots.count { monthSlots.append(contentsOf: repeatElement(-1, count: key + 1 - monthSlots.count)) }
                monthSlot = monthSlots[key]
                if monthSlot < 0 {
                    monthSlot = slot(Breakdown(.month, "\(year)-\(day.month < 10 ? "0" : "")\(day.month)"))
                    monthSlots[key] = monthSlot
                }
            }
            let (c, m) = (Int32(combo), Int32(monthSlot))
            if statistical { count(contribution, FineCell(combo: c, cell: Int32(window.index * 2), month: m), windowEnd: window.end) }
            if full { count(contribution, FineCell(combo: c, cell: Int32(window.index * 2 + 1), month: m), windowEnd: window.end) }
        }
    }

    /// The combination of a record's region, source, sector (with its groups) and category
    /// slots: the records of one combination count into the same cells, but for their months.
    private mutating func combo(region: Int, source: Int, sector: Int, sectorName: String, category: Int) -> Int {
        let key = ComboKey(region: Int32(region), source: Int32(source), sector: Int32(sector), category: Int32(category))
        if key == lastCombo.key { return lastCombo.index }
        if let index = comboOf[key] { lastCombo = (key, index); return index }
        if allSlot < 0 { allSlot = slot(.all) }
        var slots = [allSlot, region, source]
        if sector >= 0 {
            slots.append(sector)
            if sector < groupSlotsOfSector.count, let groups = groupSlotsOfSector[sector] {
                slots.append(contentsOf: groups)
            } else {
                let groups = (accumulator.sectorGroups[sectorName] ?? []).map { slot(Breakdown(.sectorGroup, $0)) }
                if sector >= groupSlotsOfSector.count {
                    groupSlotsOfSector.append(contentsOf: repeatElement(nil, count: sector + 1 - groupSlotsOfSector.count))
                }
                groupSlotsOfSector[sector] = groups
                slots.append(contentsOf: groups)
            }
        }
        if category >= 0 { slots.append(category) }
        let index = comboSlots.count
        comboSlots.append(slots)
        comboOf[key] = index
        lastCombo = (key, index)
        return index
    }

    /// A record counts once per window (and scope), into the fine cell of its combination and
    /// month; `finish` adds each fine cell into every cell it stands for.
    @inline(__always) private mutating func count(_ record: Tally.Contribution, _ cell: FineCell, windowEnd: LocalDate) {
        let index: Int
        if cell == lastFine.cell {
            index = lastFine.index
        } else {
            index = fineIndex(of: cell)
        }
        lastFine = (cell, index)
        fineTallies[index].add(record, windowEnd: windowEnd)
    }

    private mutating func fineIndex(of cell: FineCell) -> Int {
        @inline(__always) func home(_ cell: FineCell, _ mask: Int) -> Int {
            var h = UInt64(UInt32(bitPattern: cell.combo)) &* 0x9E3779B97F4A7C15
            h ^= UInt64(UInt32(bitPattern: cell.cell)) &* 0xC2B2AE3D27D4EB4F
            h ^= UInt64(UInt32(bitPattern: cell.month)) &* 0x165667B19E3779F9
            return Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
        }
        var mask = fineSlots.count - 1
        var i = home(cell, mask)
        while true {
            let e = Int(fineSlots[i])
            if e < 0 { break }
            if fineCells[e] == cell { return e }
            i = (i + 1) & mask
        }
        let index = fineCells.count
        fineCells.append(cell)
        fineTallies.append(Tally())
        if 2 * fineCells.count > fineSlots.count {
            // Half full: twice the room, every cell placed again.
            fineSlots = [Int32](repeating: -1, count: 2 * fineSlots.count)
            mask = fineSlots.count - 1
            for (e, known) in fineCells.enumerated() {
                var j = home(known, mask)
                while fineSlots[j] >= 0 { j = (j + 1) & mask }
                fineSlots[j] = Int32(e)
            }
        } else {
            fineSlots[i] = Int32(index)
        }
        return index
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
        // Each fine cell into every cell it stands for: its combination's slots, and its month.
        // Per slot, per window: the tally index of the statistical and the full-scope cell, or -1.
        var cellOf = Array(repeating: Int32(-1), count: breakdowns.count * windowSlots)
        var tallies: [Tally] = []
        for (fine, tally) in zip(fineCells, fineTallies) {
            for s in comboSlots[Int(fine.combo)] + (fine.month >= 0 ? [Int(fine.month)] : []) {
                let cell = s * windowSlots + Int(fine.cell)
                if cellOf[cell] < 0 {
                    cellOf[cell] = Int32(tallies.count)
                    tallies.append(tally)
                } else {
                    tallies[Int(cellOf[cell])].merge(tally)
                }
            }
        }
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
