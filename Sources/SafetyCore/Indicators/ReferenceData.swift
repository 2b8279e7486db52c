/// Denominators for relative indicators, per year and optionally per region (empty = the whole
/// area): GDP in 亿元, 工矿商贸 workers, motor vehicles. A missing figure leaves the relative
/// indicator empty, never zero.
public struct ReferenceData: Sendable, Hashable {
    public struct Key: Hashable, Sendable {
        public var year: Int
        public var region: String
        public init(year: Int, region: String) { self.year = year; self.region = region }
    }

    public var gdpYi: [Key: ExactDecimal] = [:]
    public var workers: [Key: ExactDecimal] = [:]
    public var vehicles: [Key: ExactDecimal] = [:]

    public init() {}
}

/// What relative indicators are computed from: the reference data, the sector group whose
/// deaths count per 10万 workers (工矿商贸), and the road sector whose deaths count per 万 vehicles.
public struct RelativeRules: Sendable, Hashable {
    public var reference: ReferenceData
    public var workersGroup: String?
    public var roadSector: String?

    public init(reference: ReferenceData = ReferenceData(), workersGroup: String? = nil, roadSector: String? = nil) {
        self.reference = reference
        self.workersGroup = workersGroup
        self.roadSector = roadSector
    }
}
