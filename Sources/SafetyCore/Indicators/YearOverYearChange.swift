/// The change against the comparison period (同比): change = current − previous;
/// change_pct = change ÷ previous × 100, one decimal, half up; empty when previous is zero.
/// For a rate the change is in percentage points and change_pct is empty.
public struct YearOverYearChange: Sendable, Hashable {
    public let change: ExactDecimal?
    public let changePercent: ExactDecimal?

    public init(current: ExactDecimal?, previous: ExactDecimal?, isRate: Bool, rounding: RoundingMode = .halfUp) {
        guard let current, let previous else {
            change = nil; changePercent = nil; return
        }
        change = current - previous
        changePercent = (isRate || previous.isZero) ? nil : Rounding.percent(current - previous, of: previous, mode: rounding)
    }

    /// 增加 / 减少 / 持平, as the bulletin words it; `unit` follows the number.
    public static func words(current: Int64, previous: Int64, unit: String) -> String {
        let change = current - previous
        if change == 0 { return "持平" }
        if previous == 0 { return "增加\(change)\(unit)（上年同期为零）" }
        return change > 0 ? "增加\(change)\(unit)" : "减少\(-change)\(unit)"
    }
}
