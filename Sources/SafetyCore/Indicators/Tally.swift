/// The running counts of one cell (period window × breakdown). Merges exactly by addition
/// and set union, so partial tallies from shards combine into the single-run result.
public struct Tally: Sendable, Hashable, Codable {
    public var records = KindCounts()
    public var accidents: Int64 = 0, deaths: Int64 = 0, seriousInjuries: Int64 = 0, minorInjuries: Int64 = 0
    public var missing: Int64 = 0, acutePoisonings: Int64 = 0
    public var directLossFen: Int64 = 0
    public var majorAccidents: Int64 = 0, majorAccidentDeaths: Int64 = 0
    public var accidentsByGrade: [SeverityGrade: Int64] = [:]
    public var accidentsScopeUnknown: Int64 = 0
    public var hazardsIdentified: Int64 = 0, hazardsRectified: Int64 = 0
    public var majorHazards: Int64 = 0, majorHazardsRectified: Int64 = 0
    public var listedHazards: Int64 = 0, listedHazardsRectified: Int64 = 0
    public var hazardsRectifiedOnTime: Int64 = 0, hazardsOverdue: Int64 = 0
    /// Distinct listing batches: keys only, a handful per year.
    public var listingBatches: Set<String> = []
    public var actions: [EnforcementAction: Int64] = [:]
    public var fineFen: Int64 = 0
    /// Distinct inspection group sorties: keys only, hundreds per campaign.
    public var inspectionGroups: Set<String> = []
    public var enterprisesInspected: Int64 = 0
    public var drills: Int64 = 0, drillParticipants: Int64 = 0, drillFundsFen: Int64 = 0, cityWideDrills: Int64 = 0
    /// Records whose figure is unknown (not exported, or left empty): the sums above hold the
    /// known values only, and these say how many are missing from them.
    public var minorInjuriesUnknown: Int64 = 0, directLossUnknown: Int64 = 0, fineUnknown: Int64 = 0, drillFundsUnknown: Int64 = 0
    public var missingUnknown: Int64 = 0, acutePoisoningsUnknown: Int64 = 0

    public init() {}

    public mutating func merge(_ other: Tally) {
        records.add(other.records)
        accidents += other.accidents; deaths += other.deaths
        seriousInjuries += other.seriousInjuries; minorInjuries += other.minorInjuries
        missing += other.missing; acutePoisonings += other.acutePoisonings
        missingUnknown += other.missingUnknown; acutePoisoningsUnknown += other.acutePoisoningsUnknown
        directLossFen += other.directLossFen
        majorAccidents += other.majorAccidents; majorAccidentDeaths += other.majorAccidentDeaths
        accidentsByGrade.merge(other.accidentsByGrade, uniquingKeysWith: +)
        accidentsScopeUnknown += other.accidentsScopeUnknown
        hazardsIdentified += other.hazardsIdentified; hazardsRectified += other.hazardsRectified
        majorHazards += other.majorHazards; majorHazardsRectified += other.majorHazardsRectified
        listedHazards += other.listedHazards; listedHazardsRectified += other.listedHazardsRectified
        hazardsRectifiedOnTime += other.hazardsRectifiedOnTime; hazardsOverdue += other.hazardsOverdue
        listingBatches.formUnion(other.listingBatches)
        actions.merge(other.actions, uniquingKeysWith: +)
        fineFen += other.fineFen
        inspectionGroups.formUnion(other.inspectionGroups)
        enterprisesInspected += other.enterprisesInspected
        drills += other.drills; drillParticipants += other.drillParticipants
        drillFundsFen += other.drillFundsFen; cityWideDrills += other.cityWideDrills
        minorInjuriesUnknown += other.minorInjuriesUnknown; directLossUnknown += other.directLossUnknown
        fineUnknown += other.fineUnknown; drillFundsUnknown += other.drillFundsUnknown
    }

    /// Adds a record that falls in a window ending on `windowEnd`.
    public mutating func add(_ record: NormalizedRecord, windowEnd: LocalDate) {
        add(Contribution(record), windowEnd: windowEnd)
    }

    /// What one record adds to a tally, read out of the record once: a record falls in many
    /// cells, and copying it out of its enum for each would cost more than the counting.
    public struct Contribution {
        enum Values {
            case accident(deaths: Int64, serious: Int64, minor: Int64?, lossFen: Int64?, grade: SeverityGrade, scopeUnknown: Bool,
                          missing: Int64?, poisoned: Int64?)
            case hazard(rectified: LocalDate?, deadline: LocalDate?, major: Bool, listed: Bool, batch: String)
            case enforcement(action: EnforcementAction, fineFen: Int64?)
            case inspection(group: String)
            case drill(participants: Int64, fundsFen: Int64?, cityWide: Bool)
            case none
        }
        let kind: RecordKind
        let values: Values

        public init(_ record: NormalizedRecord) {
            switch record {
            case .accident(let r): self.init(r)
            case .hazard(let r): self.init(r)
            case .enforcement(let r): self.init(r)
            case .inspection(let r): self.init(r)
            case .hazardSummary: self.init(kind: .hazardSummary, values: .none)
            case .drill(let r): self.init(r)
            }
        }

        private init(kind: RecordKind, values: Values) { self.kind = kind; self.values = values }

        init(_ r: AccidentRecord) {
            self.init(kind: .accident, values: .accident(
                deaths: Int64(r.deaths), serious: Int64(r.seriousInjuries), minor: r.minorInjuries.map(Int64.init),
                lossFen: r.directLossFen, grade: r.grade, scopeUnknown: r.scope == .unknown,
                missing: r.missing.map(Int64.init), poisoned: r.acutePoisonings.map(Int64.init)))
        }

        init(_ r: HazardRecord) {
            self.init(kind: .hazard, values: .hazard(rectified: r.rectifiedDate, deadline: r.deadline, major: r.level == .major,
                                                     listed: r.listed, batch: r.listingBatch))
        }

        init(_ r: EnforcementRecord) { self.init(kind: .enforcement, values: .enforcement(action: r.action, fineFen: r.fineFen)) }
        init(_ r: InspectionRecord) { self.init(kind: .inspection, values: .inspection(group: r.groupID)) }
        init(_ r: DrillRecord) {
            self.init(kind: .drill, values: .drill(participants: Int64(r.participants), fundsFen: r.fundsFen, cityWide: r.cityWide))
        }
    }

    public mutating func add(_ record: Contribution, windowEnd: LocalDate) {
        records[record.kind] += 1
        switch record.values {
        case .accident(let d, let serious, let minor, let loss, let grade, let scopeUnknown, let lost, let poisoned):
            accidents += 1; deaths += d
            seriousInjuries += serious
            if let lost { missing += lost } else { missingUnknown += 1 }
            if let poisoned { acutePoisonings += poisoned } else { acutePoisoningsUnknown += 1 }
            if let minor { minorInjuries += minor } else { minorInjuriesUnknown += 1 }
            if let loss { directLossFen += loss } else { directLossUnknown += 1 }
            if scopeUnknown { accidentsScopeUnknown += 1 }
            accidentsByGrade[grade, default: 0] += 1
            if grade.isLargeOrAbove { majorAccidents += 1; majorAccidentDeaths += d }
        case .hazard(let rectifiedDate, let deadline, let major, let listed, let batch):
            let rectified = rectifiedDate.map { $0 <= windowEnd } ?? false
            let n: Int64 = rectified ? 1 : 0
            hazardsIdentified += 1; hazardsRectified += n
            if rectified, let deadline, rectifiedDate! <= deadline { hazardsRectifiedOnTime += 1 }
            if !rectified, let deadline, deadline < windowEnd { hazardsOverdue += 1 }
            if major { majorHazards += 1; majorHazardsRectified += n }
            if listed {
                listedHazards += 1; listedHazardsRectified += n
                if !batch.isEmpty { listingBatches.insert(batch) }
            }
        case .enforcement(let action, let fine):
            actions[action, default: 0] += 1
            if let fine { fineFen += fine } else { fineUnknown += 1 }
        case .inspection(let group):
            enterprisesInspected += 1
            inspectionGroups.insert(group)
        case .none:
            break
        case .drill(let participants, let funds, let cityWide):
            drills += 1; drillParticipants += participants
            if let funds { drillFundsFen += funds } else { drillFundsUnknown += 1 }
            cityWideDrills += cityWide ? 1 : 0
        }
    }

    /// How many of the records behind a sum have an unknown figure (0 for indicators that are
    /// never unknown), and of how many records the sum is made.
    public func unknown(_ code: IndicatorCode) -> (unknown: Int64, of: Int64) {
        switch code {
        case .minorInjuries: (minorInjuriesUnknown, accidents)
        case .missing, .deathsAndMissing: (missingUnknown, accidents)
        case .acutePoisonings, .seriousInjuriesAndPoisonings: (acutePoisoningsUnknown, accidents)
        case .directLossWanYuan: (directLossUnknown, accidents)
        case .finesWanYuan: (fineUnknown, records[.enforcement])
        case .drillFundsWanYuan: (drillFundsUnknown, drills)
        default: (0, 0)
        }
    }

    /// The indicator's value for this cell; nil for a rate with nothing to divide by, for a sum
    /// whose every record's figure is unknown (unknown is not zero), and for indicators that
    /// need more than one cell (per grade, relative to a denominator). A sum with some figures
    /// unknown is the sum of the known ones; `unknown(_:)` says how many are missing from it.
    public func value(_ code: IndicatorCode, rounding: RoundingMode = .halfUp) -> ExactDecimal? {
        func n(_ value: Int64) -> ExactDecimal { ExactDecimal(integer: value) }
        let (unknownRecords, of) = unknown(code)
        if unknownRecords > 0 && unknownRecords == of { return nil }
        switch code {
        case .accidents: return n(accidents)
        case .deaths: return n(deaths)
        case .seriousInjuries: return n(seriousInjuries)
        case .minorInjuries: return n(minorInjuries)
        case .missing: return n(self.missing)
        case .deathsAndMissing: return n(deaths + self.missing)
        case .acutePoisonings: return n(acutePoisonings)
        case .seriousInjuriesAndPoisonings: return n(seriousInjuries + acutePoisonings)
        case .directLossWanYuan: return .wanYuan(fen: directLossFen)
        case .majorAccidents: return n(majorAccidents)
        case .majorAccidentDeaths: return n(majorAccidentDeaths)
        case .hazardsIdentified: return n(hazardsIdentified)
        case .hazardsRectified: return n(hazardsRectified)
        case .rectificationRate: return Rounding.percent(hazardsRectified, of: hazardsIdentified, mode: rounding)
        case .majorHazards: return n(majorHazards)
        case .majorHazardsRectified: return n(majorHazardsRectified)
        case .listedHazards: return n(listedHazards)
        case .listedHazardsRectified: return n(listedHazardsRectified)
        case .listingBatches: return n(Int64(listingBatches.count))
        case .accidentsScopeUnknown: return n(accidentsScopeUnknown)
        case .hazardsRectifiedOnTime: return n(hazardsRectifiedOnTime)
        case .hazardsOverdue: return n(hazardsOverdue)
        case .accidentsByGrade, .deathsPer100mGDP, .deathsPer100kWorkers, .roadDeathsPer10kVehicles: return nil
        case .violations: return n(records[.enforcement])
        case .fines: return n(actions[.fine] ?? 0)
        case .suspensions: return n(actions[.suspension] ?? 0)
        case .closures: return n(actions[.closure] ?? 0)
        case .licencesSuspendedOrRevoked: return n(actions[.licenceSuspendedOrRevoked] ?? 0)
        case .rectificationOrders: return n(actions[.rectificationOrder] ?? 0)
        case .finesWanYuan: return .wanYuan(fen: fineFen)
        case .inspectionGroups: return n(Int64(inspectionGroups.count))
        case .enterprisesInspected: return n(enterprisesInspected)
        case .drills: return n(drills)
        case .drillParticipants: return n(drillParticipants)
        case .drillFundsWanYuan: return .wanYuan(fen: drillFundsFen)
        case .cityWideDrills: return n(cityWideDrills)
        }
    }
}

/// Records counted per kind: one integer per kind, no hashing on the hot path. Encoded as the
/// object of the kinds met (`{"hazard": 62159}`), as a dictionary keyed by kind would be.
public struct KindCounts: Sendable, Hashable, Codable {
    /// Held in the tally itself (an array would be an allocation of its own, one more cache
    /// line to fetch for every cell a record counts into).
    private var accident: Int64 = 0, hazard: Int64 = 0, enforcement: Int64 = 0, inspection: Int64 = 0, drill: Int64 = 0
    private var hazardSummary: Int64 = 0

    public init() {}

    public subscript(kind: RecordKind) -> Int64 {
        get {
            switch kind {
            case .accident: accident
            case .hazard: hazard
            case .enforcement: enforcement
            case .inspection: inspection
            case .drill: drill
            case .hazardSummary: hazardSummary
            }
        }
        set {
            switch kind {
            case .accident: accident = newValue
            case .hazard: hazard = newValue
            case .enforcement: enforcement = newValue
            case .inspection: inspection = newValue
            case .drill: drill = newValue
            case .hazardSummary: hazardSummary = newValue
            }
        }
    }

    public mutating func add(_ other: KindCounts) {
        for kind in RecordKind.allCases { self[kind] += other[kind] }
    }

    public init(from decoder: any Decoder) throws {
        for (kind, n) in try [RecordKind: Int64](from: decoder) { self[kind] = n }
    }

    public func encode(to encoder: any Encoder) throws {
        var met: [RecordKind: Int64] = [:]
        for kind in RecordKind.allCases where self[kind] != 0 { met[kind] = self[kind] }
        try met.encode(to: encoder)
    }
}
