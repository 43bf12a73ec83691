import BigInt

/// Decimal + - * / % with a bounded precision: 38 significant digits, rounded
/// half-even — what partiql-lang-kotlin uses (`MathContext(38, HALF_EVEN)`, also
/// DECIMAL(38) in SQL engines). A result whose digits fit is exact and keeps
/// the Ion precision of its operands (`10.25 + 0.10` is `10.35`). Work is
/// bounded by the operands' digit counts: an operand far below the other's
/// last kept digit only decides rounding and is never scaled up to meet it.
extension Dec {
    static let precision = 38

    /// Largest |exponent| an arithmetic operand or result may have: about what
    /// Ion text can read back (its reader takes 18-digit exponents), and far
    /// enough from Int's limits that exponent sums cannot overflow.
    static let maxExponent = 999_999_999_999_999_999

    static func add(_ a: Dec, _ b: Dec) throws -> Dec {
        try a.checkedOperand()
        try b.checkedOperand()
        if a.isZero || b.isZero { return try plusZero(a, b) }
        // `hi` has the larger adjusted exponent (digits + exponent).
        let (hi, lo) = compareMagnitudes(a, b) >= 0 ? (a, b) : (b, a)
        let hiAdjusted = hi.exp + hi.digitCount
        // Digits of `lo` wholly below both `hi`'s last digit and the result's last
        // kept digit only matter as a sticky bit for rounding (as Java's BigDecimal
        // pre-aligns): keep one unit of `lo`'s sign three places further down.
        let stickyFloor = min(hi.exp, hiAdjusted - precision) - 2
        var small = lo
        if lo.exp + lo.digitCount - 1 < stickyFloor {
            small = Dec(coef: BigInt(lo.coef.signum()), exp: stickyFloor - 1)
        }
        let (x, y, e) = hi.aligned(small)
        return try Dec(coef: x + y, exp: e).rounded(toSignificant: precision).checkedResult()
    }

    static func subtract(_ a: Dec, _ b: Dec) throws -> Dec {
        try add(a, Dec(coef: -b.coef, exp: b.exp))
    }

    static func multiply(_ a: Dec, _ b: Dec) throws -> Dec {
        try a.checkedOperand()
        try b.checkedOperand()
        return try Dec(coef: a.coef * b.coef, exp: a.exp + b.exp).rounded(toSignificant: precision).checkedResult()
    }

    /// Quotient to `precision` digits, half-even; nil when dividing by zero.
    static func divide(_ a: Dec, _ b: Dec) throws -> Dec? {
        if b.coef.isZero { return nil }
        try a.checkedOperand()
        try b.checkedOperand()
        if a.coef.isZero { return try Dec(coef: 0, exp: a.exp - b.exp).checkedResult() }
        // Scale a so the integer quotient has ≥ precision+1 digits.
        let extra = max(0, precision + 2 + b.digitCount - a.digitCount)
        let num = a.coef * pow10(extra)
        let (q, r) = num.quotientAndRemainder(dividingBy: b.coef)
        let result = Dec(coef: q, exp: a.exp - extra - b.exp)
        if !r.isZero {
            // Sticky digit so half-even rounding sees the remainder.
            let sticky: BigInt = a.coef.sign != b.coef.sign ? -1 : 1
            return try Dec(coef: result.coef * 10 + sticky, exp: result.exp - 1).rounded(toSignificant: precision).checkedResult()
        }
        // Exact: prefer exponent a.exp - b.exp where the digits allow.
        var exact = result.rounded(toSignificant: precision)
        let preferred = a.exp - b.exp
        while exact.exp < preferred {
            let (q2, r2) = exact.coef.quotientAndRemainder(dividingBy: 10)
            if !r2.isZero { break }
            exact = Dec(coef: q2, exp: exact.exp + 1)
        }
        return try exact.checkedResult()
    }

    /// Exact remainder with the dividend's sign (exponent min(a.exp, b.exp)); nil
    /// when dividing by zero. A large exponent gap uses modular powers of ten.
    static func remainder(_ a: Dec, _ b: Dec) throws -> Dec? {
        if b.coef.isZero { return nil }
        try a.checkedOperand()
        try b.checkedOperand()
        let x = a.coef.magnitude, y = b.coef.magnitude
        let r: BigUInt
        let e: Int
        if a.exp >= b.exp {
            // (x·10^gap) mod y, where the gap can be as large as the exponents.
            let scale = BigUInt(10).power(BigUInt(a.exp - b.exp), modulus: y)
            r = (x % y) * scale % y
            e = b.exp
        } else if a.coef.isZero || compareMagnitudes(a, b) < 0 {
            (r, e) = (x, a.exp)  // |a| < |b|
        } else {
            // |a| ≥ |b| bounds b.exp - a.exp by a's digit count.
            r = x % (y * BigUInt(10).power(b.exp - a.exp))
            e = a.exp
        }
        let magnitude = BigInt(r)
        return try Dec(coef: a.coef.sign == .minus ? -magnitude : magnitude, exp: e).checkedResult()
    }

    /// a + b when one of them is zero: the other, extended with zeros toward the
    /// smaller exponent as far as the precision allows (Java BigDecimal's rule).
    private static func plusZero(_ a: Dec, _ b: Dec) throws -> Dec {
        let preferred = min(a.exp, b.exp)
        if a.isZero && b.isZero { return Dec(coef: 0, exp: preferred) }
        let x = a.isZero ? b : a
        let room = min(x.exp - preferred, max(0, precision - x.digitCount))
        let padded = Dec(coef: x.coef * pow10(room), exp: x.exp - room)
        return try padded.rounded(toSignificant: precision).checkedResult()
    }

    /// Both coefficients at the smaller exponent; callers bound the exponent gap.
    private func aligned(_ other: Dec) -> (BigInt, BigInt, Int) {
        if exp == other.exp { return (coef, other.coef, exp) }
        if exp < other.exp { return (coef, other.coef * Dec.pow10(other.exp - exp), exp) }
        return (coef * Dec.pow10(exp - other.exp), other.coef, other.exp)
    }

    var inArithmeticRange: Bool { exp >= -Dec.maxExponent && exp <= Dec.maxExponent }

    private func checkedOperand() throws {
        guard inArithmeticRange else {
            throw PartiQLError.eval("decimal exponent \(exp) is out of range for arithmetic (at most 10^18 - 1 either way)")
        }
    }

    private func checkedResult() throws -> Dec {
        guard inArithmeticRange else {
            throw PartiQLError.eval("decimal result out of range: exponent \(exp) (at most 10^18 - 1 either way)")
        }
        return self
    }
}
