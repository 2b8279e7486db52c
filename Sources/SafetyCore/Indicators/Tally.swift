/// The running counts of one cell (period window × breakdown). Merges exactly by addition
/// and set union, so partial tallies from shards combine into the single-run result.
public struct Tally: Sendable, Hashable, Codable {
    public var records: [RecordKind: Int64] = [:]
    public var accidents: Int64 = 0, deaths: Int64 = 0, seriousInjuries: Int64 = 0, minorInjuries: Int64 = 0
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

    public init() {}

    public mutating func merge(_ other: Tally) {
        records.merge(other.records, uniquingKeysWith: +)
        accidents += other.accidents; deaths += other.deaths
        seriousInjuries += other.seriousInjuries; minorInjuries += other.minorInjuries
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
    }

    /// Adds a record that falls in a window ending on `windowEnd`.
    public mutating func add(_ record: NormalizedRecord, windowEnd: LocalDate) {
        records[record.kind, default: 0] += 1
        switch record {
        case .accident(let r):
            accidents += 1; deaths += Int64(r.deaths)
            seriousInjuries += Int64(r.seriousInjuries); minorInjuries += Int64(r.minorInjuries)
            directLossFen += r.directLossFen
            let grade = r.grade
            if r.scope == .unknown { accidentsScopeUnknown += 1 }
            accidentsByGrade[grade, default: 0] += 1
            if grade.isLargeOrAbove { majorAccidents += 1; majorAccidentDeaths += Int64(r.deaths) }
        case .hazard(let r):
            let rectified = r.rectifiedDate.map { $0 <= windowEnd } ?? false
            let n: Int64 = rectified ? 1 : 0
            hazardsIdentified += 1; hazardsRectified += n
            if rectified, let deadline = r.deadline, r.rectifiedDate! <= deadline { hazardsRectifiedOnTime += 1 }
            if !rectified, let deadline = r.deadline, deadline < windowEnd { hazardsOverdue += 1 }
            if r.level == .major { majorHazards += 1; majorHazardsRectified += n }
            if r.listed {
                listedHazards += 1; listedHazardsRectified += n
                if !r.listingBatch.isEmpty { listingBatches.insert(r.listingBatch) }
            }
        case .enforcement(let r):
            actions[r.action, default: 0] += 1
            fineFen += r.fineFen
        case .inspection(let r):
            enterprisesInspected += 1
            inspectionGroups.insert(r.groupID)
        case .hazardSummary:
            break
        case .drill(let r):
            drills += 1; drillParticipants += Int64(r.participants)
            drillFundsFen += r.fundsFen; cityWideDrills += r.cityWide ? 1 : 0
        }
    }

    /// The indicator's value for this cell; nil for a rate with nothing to divide by, and for
    /// indicators that need more than one cell (per grade, relative to a denominator).
    public func value(_ code: IndicatorCode, rounding: RoundingMode = .halfUp) -> ExactDecimal? {
        func n(_ value: Int64) -> ExactDecimal { ExactDecimal(integer: value) }
        switch code {
        case .accidents: return n(accidents)
        case .deaths: return n(deaths)
        case .seriousInjuries: return n(seriousInjuries)
        case .minorInjuries: return n(minorInjuries)
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
        case .violations: return n(records[.enforcement] ?? 0)
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
