import BigInt
import Ion

/// Arbitrary-precision decimal arithmetic on (coefficient, exponent) pairs.
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

    static func pow10(_ n: Int) -> BigInt {
        BigInt(10).power(n)
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
        var digits = ""
        if let dot = s.firstIndex(of: ".") {
            let frac = s[s.index(after: dot)...]
            digits = String(s[..<dot]) + frac
            exp -= frac.count
        } else {
            digits = String(s)
        }
        if digits.isEmpty { digits = "0" }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let c = BigInt(digits) else { return nil }
        return Dec(coef: negative ? -c : c, exp: exp)
    }

    func aligned(_ other: Dec) -> (BigInt, BigInt, Int) {
        if exp == other.exp { return (coef, other.coef, exp) }
        if exp < other.exp {
            return (coef, other.coef * Dec.pow10(other.exp - exp), exp)
        }
        return (coef * Dec.pow10(exp - other.exp), other.coef, other.exp)
    }

    static func + (a: Dec, b: Dec) -> Dec {
        let (x, y, e) = a.aligned(b)
        return Dec(coef: x + y, exp: e)
    }

    static func - (a: Dec, b: Dec) -> Dec {
        let (x, y, e) = a.aligned(b)
        return Dec(coef: x - y, exp: e)
    }

    static func * (a: Dec, b: Dec) -> Dec {
        Dec(coef: a.coef * b.coef, exp: a.exp + b.exp)
    }

    func compare(_ other: Dec) -> Int {
        let (x, y, _) = aligned(other)
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    var isZero: Bool { coef.isZero }

    var digitCount: Int {
        coef.magnitude.description.count
    }

    /// Rounds to at most `digits` significant digits, half-even.
    func rounded(toSignificant digits: Int) -> Dec {
        let n = digitCount
        if n <= digits { return self }
        let drop = n - digits
        return shifted(drop: drop)
    }

    /// Divides the coefficient by 10^drop with half-even rounding.
    func shifted(drop: Int) -> Dec {
        guard drop > 0 else { return self }
        let divisor = Dec.pow10(drop)
        let (q, r) = coef.quotientAndRemainder(dividingBy: divisor)
        var quotient = q
        let twice = r.magnitude * 2
        let d = divisor.magnitude
        if twice > d || (twice == d && !(quotient % 2).isZero) {
            quotient += coef.sign == .minus ? -1 : 1
        }
        return Dec(coef: quotient, exp: exp + drop)
    }

    /// Rounds to `scale` digits after the point, half-even (or half-up).
    func rounded(scale: Int) -> Dec {
        if -exp <= scale { return self }
        return shifted(drop: -exp - scale)
    }

    /// Removes trailing zeros (keeping exponent ≤ 0 when `keepInteger`).
    func stripped() -> Dec {
        if coef.isZero { return Dec(coef: 0, exp: min(exp, 0) == exp ? 0 : 0) }
        var c = coef
        var e = exp
        while e < 0 {
            let (q, r) = c.quotientAndRemainder(dividingBy: 10)
            if !r.isZero { break }
            c = q
            e += 1
        }
        return Dec(coef: c, exp: e)
    }

    /// Quotient with 34 significant digits (DECIMAL128), half-even.
    static func divide(_ a: Dec, _ b: Dec) -> Dec? {
        if b.coef.isZero { return nil }
        if a.coef.isZero { return Dec(coef: 0, exp: a.exp - b.exp) }
        let precision = 38
        // Scale a so the integer quotient has ≥ precision+1 digits.
        let extra = max(0, precision + 2 + b.digitCount - a.digitCount)
        let num = a.coef * pow10(extra)
        let (q, r) = num.quotientAndRemainder(dividingBy: b.coef)
        var result = Dec(coef: q, exp: a.exp - extra - b.exp)
        if !r.isZero {
            // Sticky digit so half-even rounding sees the remainder.
            result = Dec(coef: result.coef * 10 + (q.sign == .minus || (q.isZero && (a.coef.sign != b.coef.sign)) ? -1 : 1), exp: result.exp - 1)
            return result.rounded(toSignificant: precision)
        }
        // Exact: prefer scale a.exp - b.exp where possible.
        var exact = result.rounded(toSignificant: precision)
        let preferred = a.exp - b.exp
        while exact.exp < preferred {
            let (q2, r2) = exact.coef.quotientAndRemainder(dividingBy: 10)
            if !r2.isZero { break }
            exact = Dec(coef: q2, exp: exact.exp + 1)
        }
        return exact
    }

    var ion: IonDecimal {
        IonDecimal(coefficient: IonInt(coef), exponent: exp)
    }

    var double: Double {
        Double(description) ?? .nan
    }

    /// Plain text, e.g. `-12.50`.
    var description: String {
        var digits = coef.magnitude.description
        let sign = coef.sign == .minus && !coef.isZero ? "-" : ""
        if exp >= 0 { return sign + digits + String(repeating: "0", count: exp) }
        let places = -exp
        if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -places)
        return sign + digits[..<split] + "." + digits[split...]
    }

    /// Truncates toward zero to an integer.
    var truncatedInteger: BigInt {
        if exp >= 0 { return coef * Dec.pow10(exp) }
        return coef / Dec.pow10(-exp)
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
