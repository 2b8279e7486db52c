/// One slice of the data an indicator row describes: the whole, or one sector, sector group
/// (工矿商贸), region, source department or month within the period. Rows are one-dimensional.
public struct Breakdown: Hashable, Sendable, Codable, Comparable {
    public enum Dimension: String, Sendable, Hashable, Codable, CaseIterable {
        case total, sector
        case sectorGroup = "sector_group"
        case region, source, month
    }

    public var dimension: Dimension
    /// The sector, group, region, department or `YYYY-MM`; empty for the total.
    public var key: String

    public init(_ dimension: Dimension, _ key: String) {
        self.dimension = dimension
        self.key = dimension == .total ? "" : key
    }

    public static let all = Breakdown(.total, "")
    public static func sector(_ key: String) -> Breakdown { Breakdown(.sector, key) }
    public static func region(_ key: String) -> Breakdown { Breakdown(.region, key) }

    /// The columns of indicators.csv that carry breakdown keys, in order.
    public static let columns: [Dimension] = [.sector, .region, .sectorGroup, .source, .month]

    public static func < (lhs: Breakdown, rhs: Breakdown) -> Bool {
        let order = Dimension.allCases
        let l = order.firstIndex(of: lhs.dimension)!, r = order.firstIndex(of: rhs.dimension)!
        return l != r ? l < r : lhs.key < rhs.key
    }
}
