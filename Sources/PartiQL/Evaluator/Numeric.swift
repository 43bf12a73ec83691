import BigInt
import Ion

/// A decimal `coef × 10^exp`. Comparison, rounding and conversions cost what
/// the coefficient digits cost, never what the exponent says: `1d200000` is
/// never expanded. Arithmetic is in DecimalArithmetic.swift.
struct Dec {
    var coef: BigInt
    var exp: Int

    init(coef: BigInt, exp: Int) {
        self.coef = coef
        self.exp = exp
    }

    init(_ d: IonDecimal) {
        coef = d.coefficient.bigInt
        exp = d.exponent
    }

    init(_ i: IonInt) {
        coef = i.bigInt
        exp = 0
    }

    init?(_ d: Double) {
        guard d.isFinite else { return nil }
        // Shortest round-trip text, then parse.
        guard let parsed = Dec.parse(String(d)) else { return nil }
        self = parsed
    }

    /// 10^n; callers keep `n` bounded by digit counts.
    static func pow10(_ n: Int) -> BigInt {
        BigInt(BigUInt(10).power(n))
    }

    /// Parses `123`, `-1.50`, `1e5`, `1.2d-3`.
    static func parse(_ text: String) -> Dec? {
        var s = Substring(text)
        var negative = false
        if s.first == "-" { negative = true; s = s.dropFirst() } else if s.first == "+" { s = s.dropFirst() }
        var exp = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" || $0 == "d" || $0 == "D" }) {
            guard let x = Int(s[s.index(after: e)...]) else { return nil }
            exp = x
            s = s[..<e]
        }
        var digits = Array(s.utf8)
        if let dot = digits.firstIndex(of: UInt8(ascii: ".")) {
            digits.remove(at: dot)
            let (e, overflow) = exp.subtractingReportingOverflow(digits.count - dot)
            guard !overflow else { return nil }
            exp = e
        }
        if digits.isEmpty { digits = [UInt8(ascii: "0")] }
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        guard let c = BigInt(String(decoding: digits, as: UTF8.self)) else { return nil }
        return Dec(coef: negative ? -c : c, exp: exp)
    }

    var isZero: Bool { coef.isZero }

    var digitCount: Int { DecimalDigits.count(coef.magnitude) }

    /// Three-way comparison by value. Magnitudes are told apart by their adjusted
    /// exponents (digits + exponent) first; coefficients are aligned only when those
    /// are equal, which bounds the shift by the digit counts.
    func compare(_ other: Dec) -> Int {
        let sa = coef.signum(), sb = other.coef.signum()
        if sa != sb { return sa < sb ? -1 : 1 }
        if sa == 0 { return 0 }
        let m = Dec.compareMagnitudes(self, other)
        return sa > 0 ? m : -m
    }

    /// Compares |a| and |b|, both non-zero.
    static func compareMagnitudes(_ a: Dec, _ b: Dec) -> Int {
        let (expDiff, overflow) = a.exp.subtractingReportingOverflow(b.exp)
        if overflow { return a.exp > b.exp ? 1 : -1 }
        // adjusted(a) > adjusted(b) ⇔ a.exp - b.exp > digits(b) - digits(a)
        let digitDiff = b.digitCount - a.digitCount
        if expDiff != digitDiff { return expDiff > digitDiff ? 1 : -1 }
        let x = a.coef.magnitude, y = b.coef.magnitude
        let (p, q) = expDiff >= 0 ? (x * BigUInt(10).power(expDiff), y) : (x, y * BigUInt(10).power(-expDiff))
        return p < q ? -1 : (p > q ? 1 : 0)
    }

    /// Rounds to at most `digits` significant digits, half-even.
    func rounded(toSignificant digits: Int) -> Dec {
        let n = digitCount
        if n <= digits { return self }
        let r = shifted(drop: n - digits)
        // Rounding 99…9 up carries into one more digit: 10^digits, which divides exactly.
        return r.digitCount > digits ? r.shifted(drop: 1) : r
    }

    /// Divides the coefficient by 10^drop with half-even rounding (exponent + drop).
    func shifted(drop: Int) -> Dec {
        guard drop > 0 else { return self }
        // Below half of 10^drop: rounds to zero without building 10^drop.
        if drop > digitCount { return Dec(coef: 0, exp: Dec.saturating(exp, plus: drop)) }
        let divisor = Dec.pow10(drop)
        let (q, r) = coef.quotientAndRemainder(dividingBy: divisor)
        var quotient = q
        let twice = r.magnitude * 2
        let d = divisor.magnitude
        if twice > d || (twice == d && !(quotient % 2).isZero) {
            quotient += coef.sign == .minus ? -1 : 1
        }
        return Dec(coef: quotient, exp: Dec.saturating(exp, plus: drop))
    }

    /// Rounds to `scale` digits after the point, half-even.
    func rounded(scale: Int) -> Dec {
        if exp >= -scale { return self }
        let (drop, overflow) = (-scale).subtractingReportingOverflow(exp)
        return overflow ? Dec(coef: 0, exp: -scale) : shifted(drop: drop)
    }

    /// a + b (b ≥ 0), clamped at Int.max: only exponents outside the arithmetic
    /// range (`maxExponent`) can get there, and those are refused.
    static func saturating(_ a: Int, plus b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    /// Without trailing zeros in the coefficient (zero is `0e0`): equal values
    /// give equal (coef, exp), so this is a canonical key.
    func stripped() -> Dec {
        if coef.isZero { return Dec(coef: 0, exp: 0) }
        let (c, zeros) = DecimalDigits.strippingTrailingZeros(coef.magnitude)
        return Dec(coef: coef.sign == .minus ? -BigInt(c) : BigInt(c), exp: Dec.saturating(exp, plus: zeros))
    }

    /// `coefficient e exponent` of `stripped()`: equal values, equal text; as
    /// long as the digits, whatever the exponent.
    var canonicalText: String {
        let s = stripped()
        return (s.coef.sign == .minus ? "-" : "") + DecimalDigits.text(s.coef.magnitude) + "e" + String(s.exp)
    }

    var ion: IonDecimal {
        IonDecimal(coefficient: IonInt(coef), exponent: exp)
    }

    /// Nearest Double (±inf / 0 far out); reads at most 40 digits of the coefficient.
    var double: Double {
        let digits = digitCount
        let d = digits > 40 ? shifted(drop: digits - 40) : self
        let sign = d.coef.sign == .minus ? "-" : ""
        return Double(sign + DecimalDigits.text(d.coef.magnitude) + "e" + String(d.exp)) ?? .nan
    }

    /// Widest run of zeros `description` writes out before switching to `E` notation.
    static let plainZeroLimit = 100

    /// Plain text, e.g. `-12.50`, or `1E+200000` / `1E-200000` when the plain
    /// form would need more than `plainZeroLimit` padding zeros.
    var description: String {
        var digits = DecimalDigits.text(coef.magnitude)
        let sign = coef.sign == .minus && !coef.isZero ? "-" : ""
        if exp >= 0 {
            if exp <= Dec.plainZeroLimit { return sign + digits + String(repeating: "0", count: exp) }
            return sign + digits + "E+" + String(exp)
        }
        if exp == Int.min || -exp > digits.count + Dec.plainZeroLimit { return sign + digits + "E" + String(exp) }
        let places = -exp
        if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -places)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// Truncated toward zero, or nil when the integer has more than `maxDigits` digits.
    func integer(maxDigits: Int) -> BigInt? {
        if coef.isZero { return 0 }
        let digits = digitCount
        let (adjusted, overflow) = exp.addingReportingOverflow(digits)
        if overflow { return exp < 0 ? 0 : nil }
        if adjusted <= 0 { return 0 }
        guard adjusted <= maxDigits else { return nil }
        if exp >= 0 { return coef * Dec.pow10(exp) }
        return coef / Dec.pow10(-exp)  // -exp < digits here
    }

    /// Truncated toward zero if it fits in an Int64.
    var int64: Int64? {
        integer(maxDigits: 19).flatMap { Int64(exactly: $0) }
    }
}

extension IonInt {
    var int64: Int64? {
        switch self {
        case .small(let v): return v
        case .big(let b): return Int64(exactly: b)
        }
    }
}
