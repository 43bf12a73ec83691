/// An Ion decimal: `coefficient × 10^exponent`, keeping its precision
/// (`1.0` and `1.00` differ) and the sign of zero (`-0.` differs from `0.`).
public struct IonDecimal: Hashable, Sendable, CustomStringConvertible {
    public var coefficient: IonInt
    public var exponent: Int
    /// True only for a zero coefficient written with a minus sign.
    public var isNegativeZero: Bool

    public init(coefficient: IonInt, exponent: Int, isNegativeZero: Bool = false) {
        self.coefficient = coefficient
        self.exponent = exponent
        self.isNegativeZero = isNegativeZero && coefficient.isZero
    }

    public var isNegative: Bool { isNegativeZero || coefficient.isNegative }

    /// Ion text form, e.g. `12.50`, `-0.`, `1d5`.
    public var description: String {
        var digits = coefficient.description
        var sign = ""
        if digits.hasPrefix("-") {
            sign = "-"
            digits.removeFirst()
        } else if isNegativeZero {
            sign = "-"
        }
        if exponent == 0 { return sign + digits + "." }
        // Far-out exponents (and Int.min, whose negation overflows) use d-notation.
        if exponent > 0 || exponent < -(digits.count + 6) { return sign + digits + "d" + String(exponent) }
        let places = -exponent
        if places < digits.count {
            let split = digits.index(digits.endIndex, offsetBy: -places)
            return sign + digits[..<split] + "." + digits[split...]
        }
        return sign + "0." + String(repeating: "0", count: places - digits.count) + digits
    }
}
