import BigInt

/// Decimal digit counts, trailing zeros and text of a `BigUInt`. `text` splits
/// the number at powers of ten (10^(chunk·2^k), built by squaring) instead of
/// BigInt's word-by-word division of the whole number (2.5× faster at 10 k
/// digits in a debug build; both are still quadratic with BigInt's schoolbook
/// division).
public enum DecimalDigits {
    /// Digits handled by BigInt's own conversion at the leaves.
    static let chunk = 256

    /// Base-10 text of `value`, without sign or leading zeros (`0` for zero).
    public static func text(_ value: BigUInt) -> String {
        if value.bitWidth <= 1024 { return String(value) }
        var powers = Powers()
        var out: [UInt8] = []
        out.reserveCapacity(Int(Double(value.bitWidth) * 0.302) + 2)
        // value < 2^bits ≤ 10^(bits·log10(2) + 1): enough levels (extra ones write nothing).
        let level = powers.level(covering: Int(Double(value.bitWidth) * 0.30102999566398120) + 2)
        write(value, level: level, padded: false, &powers, &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `value` (< 10^(chunk·2^level)); `padded` writes exactly chunk·2^level digits.
    private static func write(_ value: BigUInt, level: Int, padded: Bool, _ powers: inout Powers, _ out: inout [UInt8]) {
        if level == 0 {
            let digits = String(value).utf8
            if padded { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: chunk - digits.count)) }
            out.append(contentsOf: digits)
            return
        }
        let (high, low) = value.quotientAndRemainder(dividingBy: powers[level - 1])
        if high.isZero && !padded {
            write(low, level: level - 1, padded: false, &powers, &out)
            return
        }
        write(high, level: level - 1, padded: padded, &powers, &out)
        write(low, level: level - 1, padded: true, &powers, &out)
    }

    /// Number of decimal digits of `value` (1 for zero).
    public static func count(_ value: BigUInt) -> Int {
        var powers = Powers()
        return count(value, &powers)
    }

    private static func count(_ value: BigUInt, _ powers: inout Powers) -> Int {
        if value.bitWidth <= 64 { return String(value.words.first ?? 0).utf8.count }
        // 2^(bits-1) ≤ value < 2^bits, so the count is within one of bits·log10(2);
        // start a little below and step up (the estimate is a Double).
        var digits = max(1, Int(Double(value.bitWidth - 1) * 0.30102999566398120) - 1)
        var bound = BigUInt(10).power(digits)
        while value >= bound {
            bound *= 10
            digits += 1
        }
        return digits
    }

    /// `value` without its trailing decimal zeros, and how many there were. The
    /// count is bounded by the trailing zero bits (10^z = 2^z·5^z), and the zeros
    /// come off in power-of-two runs, so an odd number costs nothing.
    public static func strippingTrailingZeros(_ value: BigUInt) -> (BigUInt, Int) {
        var c = value
        var zeros = 0
        let bound = value.isZero ? 0 : value.trailingZeroBitCount
        var run = 1
        var powers: [BigUInt] = [10]  // 10^(2^j)
        while run * 2 <= bound {
            powers.append(powers[powers.count - 1] * powers[powers.count - 1])
            run *= 2
        }
        for (j, power) in powers.enumerated().reversed() where c.trailingZeroBitCount >= 1 << j {
            let (q, r) = c.quotientAndRemainder(dividingBy: power)
            if r.isZero {
                c = q
                zeros += 1 << j
            }
        }
        return (c, zeros)
    }

    /// 10^(chunk·2^k), squared up from 10^chunk as needed by one conversion.
    private struct Powers {
        private var table: [BigUInt] = []

        subscript(k: Int) -> BigUInt {
            mutating get {
                if table.isEmpty { table.append(BigUInt(10).power(DecimalDigits.chunk)) }
                while table.count <= k { table.append(table[table.count - 1] * table[table.count - 1]) }
                return table[k]
            }
        }

        /// The smallest level whose span (chunk·2^level digits) holds `digits` digits.
        func level(covering digits: Int) -> Int {
            var level = 0
            while DecimalDigits.chunk << level < digits { level += 1 }
            return level
        }
    }
}
