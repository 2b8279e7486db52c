/// One slice of the data an indicator row describes: the whole, or one sector, sector group
/// (工矿商贸), region, source department, month within the period or accident category. Rows are one-dimensional,
/// under the statistical scope (operating accidents only) or, with `fullScope`, 全口径 (every
/// accident the department exported, operating or not).
public struct Breakdown: Hashable, Sendable, Codable, Comparable {
    public enum Dimension: String, Sendable, Hashable, Codable, CaseIterable {
        case total, sector
        case sectorGroup = "sector_group"
        case region, source, month
        /// Accident category (事故类别); accidents only, 不详 for those without one.
        case category
    }

    public var dimension: Dimension
    /// The sector, group, region, department or `YYYY-MM`; empty for the total.
    public var key: String

    /// 全口径: every accident, not only those in the statistical scope.
    public var fullScope: Bool

    public init(_ dimension: Dimension, _ key: String, fullScope: Bool = false) {
        self.dimension = dimension
        self.key = dimension == .total ? "" : key
        self.fullScope = fullScope
    }

    /// The same slice under the full scope (全口径).
    public var inFullScope: Breakdown { Breakdown(dimension, key, fullScope: true) }

    /// The text of the `scope` column for full-scope rows.
    public static let fullScopeLabel = "全口径"

    public static let all = Breakdown(.total, "")
    public static func sector(_ key: String) -> Breakdown { Breakdown(.sector, key) }
    public static func region(_ key: String) -> Breakdown { Breakdown(.region, key) }

    /// The columns of indicators.csv that carry breakdown keys, in order.
    public static let columns: [Dimension] = [.sector, .region, .sectorGroup, .source, .month, .category]

    public static func < (lhs: Breakdown, rhs: Breakdown) -> Bool {
        if lhs.fullScope != rhs.fullScope { return !lhs.fullScope }
        let order = Dimension.allCases
        let l = order.firstIndex(of: lhs.dimension)!, r = order.firstIndex(of: rhs.dimension)!
        return l != r ? l < r : lhs.key < rhs.key
    }
}
