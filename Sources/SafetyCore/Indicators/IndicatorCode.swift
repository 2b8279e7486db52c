/// The stable codes of published indicators, used unchanged in indicators.csv, indicators.json
/// and tests. The order here is the row order of every output.
public enum IndicatorCode: String, Sendable, Hashable, CaseIterable {
    case accidents, deaths
    case seriousInjuries = "serious_injuries"
    case minorInjuries = "minor_injuries"
    case directLossWanYuan = "direct_loss_wan_yuan"
    /// Accidents graded 较大 or above (较大以上).
    case majorAccidents = "major_accidents"
    case majorAccidentDeaths = "major_accident_deaths"
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

    /// The unit written in the `unit` column.
    public var unit: String {
        switch self {
        case .accidents, .majorAccidents: "起"
        case .deaths, .seriousInjuries, .minorInjuries, .majorAccidentDeaths: "人"
        case .directLossWanYuan, .finesWanYuan, .drillFundsWanYuan: "万元"
        case .hazardsIdentified, .hazardsRectified, .majorHazards, .majorHazardsRectified,
             .listedHazards, .listedHazardsRectified: "个"
        case .rectificationRate: "%"
        case .listingBatches, .inspectionGroups: "批次"
        case .violations, .fines, .suspensions, .closures, .licencesSuspendedOrRevoked, .rectificationOrders: "起"
        case .enterprisesInspected: "家次"
        case .drills, .cityWideDrills: "场"
        case .drillParticipants: "人次"
        }
    }

    /// The record kind an indicator is counted from.
    public var kind: RecordKind {
        switch self {
        case .accidents, .deaths, .seriousInjuries, .minorInjuries, .directLossWanYuan, .majorAccidents,
             .majorAccidentDeaths: .accident
        case .hazardsIdentified, .hazardsRectified, .rectificationRate, .majorHazards, .majorHazardsRectified,
             .listedHazards, .listedHazardsRectified, .listingBatches: .hazard
        case .violations, .fines, .suspensions, .closures, .licencesSuspendedOrRevoked, .rectificationOrders,
             .finesWanYuan: .enforcement
        case .inspectionGroups, .enterprisesInspected: .inspection
        case .drills, .drillParticipants, .drillFundsWanYuan, .cityWideDrills: .drill
        }
    }

    /// A rate: its change is in percentage points and has no change_pct.
    public var isRate: Bool { self == .rectificationRate }
}
