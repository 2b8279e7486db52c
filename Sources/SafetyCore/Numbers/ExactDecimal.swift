/// A decimal number held exactly as an integer and a count of decimal places.
///
/// Money is summed in fen (分) and shown in 万元 or 元 through this type, so no figure ever
/// passes through binary floating point. `ExactDecimal(units: 118_300_000, scale: 6)` is 118.3.
public struct ExactDecimal: Hashable, Sendable, CustomStringConvertible {
    public var units: Int64
    public var scale: Int

    public init(units: Int64, scale: Int) {
        self.units = units
        self.scale = scale
    }

    public init(integer: Int64) {
        self.init(units: integer, scale: 0)
    }

    /// 万元 from fen: 1 万元 = 10,000 元 = 1,000,000 fen.
    public static func wanYuan(fen: Int64) -> ExactDecimal { ExactDecimal(units: fen, scale: 6) }

    /// 元 from fen.
    public static func yuan(fen: Int64) -> ExactDecimal { ExactDecimal(units: fen, scale: 2) }

    static func power(_ exponent: Int) -> Int64 {
        var result: Int64 = 1
        for _ in 0..<exponent { result *= 10 }
        return result
    }

    /// The same value at a larger scale.
    public func rescaled(to newScale: Int) -> ExactDecimal {
        precondition(newScale >= scale)
        return ExactDecimal(units: units * ExactDecimal.power(newScale - scale), scale: newScale)
    }

    public static func - (lhs: ExactDecimal, rhs: ExactDecimal) -> ExactDecimal {
        let scale = max(lhs.scale, rhs.scale)
        return ExactDecimal(units: lhs.rescaled(to: scale).units - rhs.rescaled(to: scale).units, scale: scale)
    }

    public var isZero: Bool { units == 0 }
    public var magnitude: ExactDecimal { ExactDecimal(units: Swift.abs(units), scale: scale) }

    /// The shortest exact text: `118.3`, `23.950049`, `-5`, `0`.
    public var description: String {
        var text = fixed(scale)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// Exact text with exactly `places` decimals; rounds half up if `places < scale`.
    public func fixed(_ places: Int) -> String {
        let value: Int64
        if places >= scale {
            value = units * ExactDecimal.power(places - scale)
        } else {
            value = Rounding.divide(units, by: ExactDecimal.power(scale - places))
        }
        let negative = value < 0
        var digits = String(Swift.abs(value))
        if places > 0 {
            if digits.count <= places {
                digits = String(repeating: "0", count: places - digits.count + 1) + digits
            }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        return negative ? "-" + digits : digits
    }
}
