/// How published figures are rounded, once, at output. The office's default is half up
/// (四舍五入: 81.25 → 81.3, −2.25 → −2.3, never banker's rounding); a pipeline may choose half
/// even (GB/T 8170 修约: 81.25 → 81.2, 81.35 → 81.4) or truncation (81.29 → 81.2).
public enum RoundingMode: String, Sendable, Hashable, Codable, CaseIterable {
    case halfUp = "half_up"
    case halfEven = "half_even"
    case truncate
}

/// Exact integer division and percentages under a rounding mode; no floating point anywhere.
public enum Rounding {
    /// `numerator ÷ denominator` rounded to an integer. The denominator must not be zero.
    public static func divide(_ numerator: Int64, by denominator: Int64, mode: RoundingMode = .halfUp) -> Int64 {
        precondition(denominator != 0, "division by zero")
        let negative = (numerator < 0) != (denominator < 0)
        let n = numerator.magnitude, d = denominator.magnitude
        var quotient = n / d
        let twiceRemainder = (n % d) * 2
        switch mode {
        case .halfUp: if twiceRemainder >= d { quotient += 1 }
        case .halfEven: if twiceRemainder > d || (twiceRemainder == d && quotient % 2 == 1) { quotient += 1 }
        case .truncate: break
        }
        return negative ? -Int64(quotient) : Int64(quotient)
    }

    /// `part ÷ whole × 100` with one decimal; nil when `whole` is zero (no NaN, no inf).
    public static func percent(_ part: Int64, of whole: Int64, mode: RoundingMode = .halfUp) -> ExactDecimal? {
        guard whole != 0 else { return nil }
        return ExactDecimal(units: divide(part * 1000, by: whole, mode: mode), scale: 1)
    }

    /// `part ÷ whole × 100` for exact decimals, one decimal; nil when `whole` is zero.
    public static func percent(_ part: ExactDecimal, of whole: ExactDecimal, mode: RoundingMode = .halfUp) -> ExactDecimal? {
        let scale = max(part.scale, whole.scale)
        return percent(part.rescaled(to: scale).units, of: whole.rescaled(to: scale).units, mode: mode)
    }

    /// `numerator × multiplier ÷ denominator` with `places` decimals; nil when the denominator
    /// is zero. Used for relative indicators (deaths per 亿元 GDP, per 10万 workers).
    public static func ratio(_ numerator: Int64, _ denominator: ExactDecimal, multiplier: Int64, places: Int,
                             mode: RoundingMode = .halfUp) -> ExactDecimal? {
        guard denominator.units != 0 else { return nil }
        let scaled = numerator * multiplier * ExactDecimal.power(places + denominator.scale)
        return ExactDecimal(units: divide(scaled, by: denominator.units, mode: mode), scale: places)
    }
}
