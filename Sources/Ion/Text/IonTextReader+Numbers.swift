import BigInt

/// Ints (decimal, `0x`, `0b`), decimals and floats.
extension IonTextReader {
    /// The position is at a digit, or at `-` followed by a digit.
    mutating func readNumberOrTimestamp() throws(IonError) -> IonContent {
        let start = pos
        var negative = false
        if peek() == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        let b1 = peek(1)
        if peek() == UInt8(ascii: "0") && (b1 == UInt8(ascii: "x") || b1 == UInt8(ascii: "X")) {
            pos += 2
            return .int(try readRadixInt(radix: 16, negative: negative, start: start))
        }
        if peek() == UInt8(ascii: "0") && (b1 == UInt8(ascii: "b") || b1 == UInt8(ascii: "B")) {
            pos += 2
            return .int(try readRadixInt(radix: 2, negative: negative, start: start))
        }
        if !negative, IonTextReader.isDigit(peek(1)), IonTextReader.isDigit(peek(2)), IonTextReader.isDigit(peek(3)),
           peek(4) == UInt8(ascii: "-") || peek(4) == UInt8(ascii: "T") {
            return .timestamp(try readTimestamp())
        }

        var digits: [UInt8] = []
        let intStart = pos
        try scanDigits(radix: 10, underscores: true, into: &digits)
        if digits.count > 1 && digits[0] == UInt8(ascii: "0") {
            throw fail("a number cannot have leading zeros", at: intStart)
        }
        let integerCount = digits.count
        var isDecimal = false
        var isFloat = false
        if peek() == UInt8(ascii: ".") {
            pos += 1
            isDecimal = true
            if IonTextReader.isDigit(peek()) {
                try scanDigits(radix: 10, underscores: true, into: &digits)
            }
        }
        var exponentText: [UInt8] = []
        let e = peek()
        if e == UInt8(ascii: "e") || e == UInt8(ascii: "E") || e == UInt8(ascii: "d") || e == UInt8(ascii: "D") {
            isFloat = e == UInt8(ascii: "e") || e == UInt8(ascii: "E")
            isDecimal = !isFloat
            pos += 1
            if peek() == UInt8(ascii: "-") || peek() == UInt8(ascii: "+") {
                exponentText.append(peek())
                pos += 1
            }
            try scanDigits(radix: 10, underscores: false, into: &exponentText)
        }
        try expectNumericStop(isFloat ? "float" : isDecimal ? "decimal" : "int")

        if isFloat {
            var text = negative ? "-" : ""
            text += String(decoding: digits[..<integerCount], as: UTF8.self)
            if digits.count > integerCount {
                text += "." + String(decoding: digits[integerCount...], as: UTF8.self)
            }
            text += "e" + String(decoding: exponentText, as: UTF8.self)
            guard let value = Double(text) else { throw fail("invalid float", at: start) }
            return .float(value)
        }
        if isDecimal {
            var exponent = 0
            if !exponentText.isEmpty {
                // Exponents in the binary reader's range, ±Int.max (a binary
                // decimal read back as text must read): accumulate with the
                // sign applied; Int.min is refused below, as binary refuses it.
                let negativeExponent = exponentText.first == UInt8(ascii: "-")
                for d in exponentText where d != UInt8(ascii: "-") && d != UInt8(ascii: "+") {
                    let digit = Int(d - 0x30)
                    let (shifted, o1) = exponent.multipliedReportingOverflow(by: 10)
                    let (next, o2) = negativeExponent ? shifted.subtractingReportingOverflow(digit)
                                                      : shifted.addingReportingOverflow(digit)
                    guard !o1, !o2 else { throw fail("decimal exponent too large", at: start) }
                    exponent = next
                }
            }
            let (adjusted, overflow) = exponent.subtractingReportingOverflow(digits.count - integerCount)
            guard !overflow, adjusted != .min else { throw fail("decimal exponent too large", at: start) }
            try checkDigitCount(digits.count, start: start)
            let coefficient = IonTextReader.makeInt(digits, radix: 10, negative: negative)
            return .decimal(IonDecimal(coefficient: coefficient, exponent: adjusted,
                                       isNegativeZero: negative && coefficient.isZero))
        }
        try checkDigitCount(digits.count, start: start)
        return .int(IonTextReader.makeInt(digits, radix: 10, negative: negative))
    }

    private func checkDigitCount(_ count: Int, start: Int) throws(IonError) {
        guard count <= options.maxIntegerDigits else {
            throw fail("a number of \(count) digits; the limit is \(options.maxIntegerDigits)", at: start)
        }
    }

    private mutating func readRadixInt(radix: Int, negative: Bool, start: Int) throws(IonError) -> IonInt {
        var digits: [UInt8] = []
        try scanDigits(radix: radix, underscores: true, into: &digits)
        try expectNumericStop(radix == 16 ? "hexadecimal int" : "binary int")
        try checkDigitCount(digits.count, start: start)
        return IonTextReader.makeInt(digits, radix: radix, negative: negative)
    }

    /// Scans one or more digits of `radix`, with single underscores allowed
    /// only between digits. Appends the digits (without underscores).
    mutating func scanDigits(radix: Int, underscores: Bool, into digits: inout [UInt8]) throws(IonError) {
        guard IonTextReader.isDigit(peek(), radix: radix) else {
            throw fail("expected a digit, found \(describeCurrent())")
        }
        while pos < bytes.count {
            let b = bytes[pos]
            if IonTextReader.isDigit(b, radix: radix) {
                digits.append(b)
                pos += 1
            } else if b == UInt8(ascii: "_") && underscores {
                guard IonTextReader.isDigit(peek(1), radix: radix) else {
                    throw fail("an underscore in a number must be between two digits")
                }
                pos += 1
            } else {
                return
            }
        }
    }

    @inline(__always) static func isDigit(_ b: UInt8, radix: Int) -> Bool {
        switch radix {
        case 16: return isHexDigit(b)
        case 2: return b == UInt8(ascii: "0") || b == UInt8(ascii: "1")
        default: return isDigit(b)
        }
    }

    /// An int from ASCII digits of `radix` (all valid).
    static func makeInt(_ digits: [UInt8], radix: Int, negative: Bool) -> IonInt {
        var magnitude: UInt64 = 0
        var fits = true
        let base = UInt64(radix)
        for d in digits {
            let (m, o1) = magnitude.multipliedReportingOverflow(by: base)
            let (s, o2) = m.addingReportingOverflow(UInt64(hexValue(d)))
            if o1 || o2 {
                fits = false
                break
            }
            magnitude = s
        }
        if fits {
            if !negative && magnitude <= UInt64(Int64.max) { return .small(Int64(magnitude)) }
            if negative && magnitude <= UInt64(Int64.max) { return .small(-Int64(magnitude)) }
            if negative && magnitude == UInt64(Int64.max) + 1 { return .small(Int64.min) }
        }
        let big = BigInt(String(decoding: digits, as: UTF8.self), radix: radix) ?? 0
        return IonInt(negative ? -big : big)
    }
}
