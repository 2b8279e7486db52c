/// The stable codes of published indicators, used unchanged in indicators.csv, indicators.json
/// and tests. The order here is the row order of every output.
public enum IndicatorCode: String, Sendable, Hashable, CaseIterable, Codable {
    case accidents, deaths
    /// Persons missing (下落不明); empty when no accident's figure is known.
    case missing
    /// Deaths and persons missing together (死亡和下落不明), as published figures give them.
    case deathsAndMissing = "deaths_and_missing"
    case seriousInjuries = "serious_injuries"
    /// Acute industrial poisoning (急性工业中毒), counted apart from serious injuries.
    case acutePoisonings = "acute_poisonings"
    /// Serious injuries with acute industrial poisoning (重伤，包括急性工业中毒).
    case seriousInjuriesAndPoisonings = "serious_injuries_and_poisonings"
    case minorInjuries = "minor_injuries"
    case directLossWanYuan = "direct_loss_wan_yuan"
    /// Accidents graded 较大 or above (较大以上).
    case majorAccidents = "major_accidents"
    case majorAccidentDeaths = "major_accident_deaths"
    /// Accidents per grade; one row per grade, named in the `grade` column.
    case accidentsByGrade = "accidents_by_grade"
    /// Accidents whose scope the department did not state; reported on 全口径 rows, never guessed.
    case accidentsScopeUnknown = "accidents_scope_unknown"
    case hazardsIdentified = "hazards_identified"
    case hazardsRectified = "hazards_rectified"
    /// Hazards rectified over hazards identified in the period (整改率), percent, one decimal, half up.
    case rectificationRate = "rectification_rate"
    case majorHazards = "major_hazards"
    case majorHazardsRectified = "major_hazards_rectified"
    case listedHazards = "listed_hazards"
    case listedHazardsRectified = "listed_hazards_rectified"
    /// Distinct listing batches (挂牌批次) among listed hazards.
    case listingBatches = "listing_batches"
    /// Rectified by the period's end and no later than the deadline.
    case hazardsRectifiedOnTime = "hazards_rectified_on_time"
    /// Still open at the period's end with the deadline already passed.
    case hazardsOverdue = "hazards_overdue"
    case violations, fines, suspensions, closures
    case licencesSuspendedOrRevoked = "licences_suspended_or_revoked"
    case rectificationOrders = "rectification_orders"
    case finesWanYuan = "fines_wan_yuan"
    /// Distinct inspection group sorties (检查组批次).
    case inspectionGroups = "inspection_groups"
    case enterprisesInspected = "enterprises_inspected"
    case drills
    case drillParticipants = "drill_participants"
    case drillFundsWanYuan = "drill_funds_wan_yuan"
    case cityWideDrills = "city_wide_drills"
    /// 亿元国内生产总值生产安全事故死亡率: deaths ÷ GDP in 亿元, three decimals.
    case deathsPer100mGDP = "deaths_per_100m_gdp"
    /// 工矿商贸十万就业人员生产安全事故死亡率: group deaths ÷ workers × 100,000, three decimals.
    case deathsPer100kWorkers = "deaths_per_100k_workers"
    /// 道路交通万车死亡率: road deaths ÷ motor vehicles × 10,000, two decimals.
    case roadDeathsPer10kVehicles = "road_deaths_per_10k_vehicles"

    /// The unit written in the `unit` column.
    public var unit: String {
        switch self {
        case .accidents, .majorAccidents, .accidentsByGrade, .accidentsScopeUnknown: "起"
        case .deaths, .seriousInjuries, .minorInjuries, .majorAccidentDeaths, .missing, .deathsAndMissing, .acutePoisonings,
             .seriousInjuriesAndPoisonings: "人"
        case .directLossWanYuan, .finesWanYuan, .drillFundsWanYuan: "万元"
        case .hazardsIdentified, .hazardsRectified, .majorHazards, .majorHazardsRectified,
             .listedHazards, .listedHazardsRectified, .hazardsRectifiedOnTime, .hazardsOverdue: "个"
        case .rectificationRate: "%"
        case .listingBatches, .inspectionGroups: "批次"
        case .violations, .fines, .suspensions, .closures, .licencesSuspendedOrRevoked, .rectificationOrders: "起"
        case .enterprisesInspected: "家次"
        case .drills, .cityWideDrills: "场"
        case .drillParticipants: "人次"
        case .deathsPer100mGDP: "人/亿元"
        case .deathsPer100kWorkers: "人/10万人"
        case .roadDeathsPer10kVehicles: "人/万车"
        }
    }

    /// The record kind an indicator is counted from.
    public var kind: RecordKind {
        switch self {
        case .accidents, .deaths, .seriousInjuries, .minorInjuries, .directLossWanYuan, .majorAccidents, .missing, .deathsAndMissing,
             .acutePoisonings, .seriousInjuriesAndPoisonings,
             .majorAccidentDeaths, .accidentsByGrade, .accidentsScopeUnknown, .deathsPer100mGDP, .deathsPer100kWorkers, .roadDeathsPer10kVehicles: .accident
        case .hazardsIdentified, .hazardsRectified, .rectificationRate, .majorHazards, .majorHazardsRectified,
             .listedHazards, .listedHazardsRectified, .listingBatches, .hazardsRectifiedOnTime, .hazardsOverdue: .hazard
        case .violations, .fines, .suspensions, .closures, .licencesSuspendedOrRevoked, .rectificationOrders,
             .finesWanYuan: .enforcement
        case .inspectionGroups, .enterprisesInspected: .inspection
        case .drills, .drillParticipants, .drillFundsWanYuan, .cityWideDrills: .drill
        }
    }

    /// Fixed decimal places for rates and ratios; nil for counts and money (shortest exact text).
    public var decimals: Int? {
        switch self {
        case .rectificationRate: 1
        case .deathsPer100mGDP, .deathsPer100kWorkers: 3
        case .roadDeathsPer10kVehicles: 2
        default: nil
        }
    }

    /// A rate or ratio: its change has no change_pct, and rates change in percentage points.
    public var isRate: Bool { self == .rectificationRate || isRelative }

    /// A sum of a figure departments may not know or export (`RecordSchema.unknowable`): its
    /// rows say how many records' figures are unknown, and it is empty when all are.
    public var canBeUnknown: Bool {
        switch self {
        case .minorInjuries, .directLossWanYuan, .finesWanYuan, .drillFundsWanYuan, .missing, .deathsAndMissing, .acutePoisonings,
             .seriousInjuriesAndPoisonings: true
        default: false
        }
    }

    /// Relative to a denominator from the pipeline's reference data; shown for the total and regions.
    public var isRelative: Bool {
        self == .deathsPer100mGDP || self == .deathsPer100kWorkers || self == .roadDeathsPer10kVehicles
    }
}
