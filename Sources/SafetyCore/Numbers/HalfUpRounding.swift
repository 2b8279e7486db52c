/// Rounding half away from zero (四舍五入), the rule the office publishes with:
/// 81.25 becomes 81.3 and -2.25 becomes -2.3; never banker's rounding.
public enum HalfUpRounding {
    /// `numerator ÷ denominator` rounded half up to an integer. The denominator must not be zero.
    public static func divide(_ numerator: Int64, by denominator: Int64) -> Int64 {
        precondition(denominator != 0, "division by zero")
        let negative = (numerator < 0) != (denominator < 0)
        let n = numerator.magnitude, d = denominator.magnitude
        var quotient = n / d
        if (n % d) * 2 >= d { quotient += 1 }
        return negative ? -Int64(quotient) : Int64(quotient)
    }

    /// `part ÷ whole × 100` with one decimal, half up; nil when `whole` is zero (no NaN, no inf).
    public static func percent(_ part: Int64, of whole: Int64) -> ExactDecimal? {
        guard whole != 0 else { return nil }
        return ExactDecimal(units: divide(part * 1000, by: whole), scale: 1)
    }

    /// `part ÷ whole × 100` for exact decimals, one decimal, half up; nil when `whole` is zero.
    public static func percent(_ part: ExactDecimal, of whole: ExactDecimal) -> ExactDecimal? {
        let scale = max(part.scale, whole.scale)
        return percent(part.rescaled(to: scale).units, of: whole.rescaled(to: scale).units)
    }

    /// `numerator × multiplier ÷ denominator` with `places` decimals, half up; nil when the
    /// denominator is zero. Used for relative indicators (deaths per 亿元 GDP, per 10万 workers).
    public static func ratio(_ numerator: Int64, _ denominator: ExactDecimal, multiplier: Int64, places: Int) -> ExactDecimal? {
        guard denominator.units != 0 else { return nil }
        let scaled = numerator * multiplier * ExactDecimal.power(places + denominator.scale)
        return ExactDecimal(units: divide(scaled, by: denominator.units), scale: places)
    }
}
