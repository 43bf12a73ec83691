/// Timestamps: `YYYYT`, `YYYY-MMT`, `YYYY-MM-DD[T]`,
/// `YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh:mm)`.
extension IonTextReader {
    /// The position is at four digits followed by `-` or `T`.
    mutating func readTimestamp() throws(IonError) -> IonTimestamp {
        let start = pos
        let year = try fixedDigits(4, "year")
        guard year >= 1 else { throw fail("timestamp year must be 0001 to 9999", at: start) }
        if peek() == UInt8(ascii: "T") {
            pos += 1
            try expectNumericStop("timestamp")
            return IonTimestamp(year: year, precision: .year)
        }
        try expect(UInt8(ascii: "-"), "timestamp")
        let monthAt = pos
        let month = try fixedDigits(2, "month")
        guard (1...12).contains(month) else { throw fail("timestamp month must be 01 to 12", at: monthAt) }
        if peek() == UInt8(ascii: "T") {
            pos += 1
            try expectNumericStop("timestamp")
            return IonTimestamp(year: year, month: month, precision: .month)
        }
        guard peek() == UInt8(ascii: "-") else {
            throw fail("a month-precision timestamp must end with 'T'")
        }
        pos += 1
        let dayAt = pos
        let day = try fixedDigits(2, "day")
        guard IonTimestamp.isValidDay(day, month: month, year: year) else {
            throw fail("day \(day) is not in month \(month) of year \(year)", at: dayAt)
        }
        if peek() == UInt8(ascii: "T") {
            pos += 1
        }
        guard pos > 0, bytes[pos - 1] == UInt8(ascii: "T"), IonTextReader.isDigit(peek()) else {
            try expectNumericStop("timestamp")
            return IonTimestamp(year: year, month: month, day: day, precision: .day)
        }

        let hourAt = pos
        let hour = try fixedDigits(2, "hour")
        guard hour <= 23 else { throw fail("timestamp hour must be 00 to 23", at: hourAt) }
        try expect(UInt8(ascii: ":"), "timestamp hour")
        let minuteAt = pos
        let minute = try fixedDigits(2, "minute")
        guard minute <= 59 else { throw fail("timestamp minute must be 00 to 59", at: minuteAt) }
        var second = 0
        var fraction: IonDecimal?
        var precision = IonTimestamp.Precision.minute
        if peek() == UInt8(ascii: ":") {
            pos += 1
            let secondAt = pos
            second = try fixedDigits(2, "second")
            guard second <= 59 else { throw fail("timestamp second must be 00 to 59", at: secondAt) }
            precision = .second
            if peek() == UInt8(ascii: ".") {
                pos += 1
                guard IonTextReader.isDigit(peek()) else {
                    throw fail("expected fractional-second digits, found \(describeCurrent())")
                }
                var digits: [UInt8] = []
                while pos < bytes.count, IonTextReader.isDigit(bytes[pos]) {
                    digits.append(bytes[pos])
                    pos += 1
                }
                fraction = IonDecimal(coefficient: IonTextReader.makeInt(digits, radix: 10, negative: false),
                                      exponent: -digits.count)
            }
        }
        let offset = try readOffset()
        try expectNumericStop("timestamp")
        return IonTimestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                            fraction: fraction, offsetMinutes: offset, precision: precision)
    }

    /// `Z`, `+hh:mm` or `-hh:mm`; `-00:00` (unknown offset) is nil.
    private mutating func readOffset() throws(IonError) -> Int? {
        let b = peek()
        if b == UInt8(ascii: "Z") {
            pos += 1
            return 0
        }
        guard b == UInt8(ascii: "+") || b == UInt8(ascii: "-") else {
            throw fail("a timestamp with a time needs an offset ('Z' or ±hh:mm), found \(describeCurrent())")
        }
        let at = pos
        pos += 1
        let hours = try fixedDigits(2, "offset hours")
        try expect(UInt8(ascii: ":"), "offset hours")
        let minutes = try fixedDigits(2, "offset minutes")
        guard hours <= 23, minutes <= 59 else { throw fail("timestamp offset out of range", at: at) }
        if b == UInt8(ascii: "-") && hours == 0 && minutes == 0 { return nil }
        let total = hours * 60 + minutes
        return b == UInt8(ascii: "-") ? -total : total
    }

    /// Exactly `count` digits, not followed by another digit.
    private mutating func fixedDigits(_ count: Int, _ what: String) throws(IonError) -> Int {
        var value = 0
        for _ in 0..<count {
            let b = peek()
            guard !atEnd, IonTextReader.isDigit(b) else {
                throw fail("expected \(count) digits of timestamp \(what), found \(describeCurrent())")
            }
            value = value * 10 + Int(b - 0x30)
            pos += 1
        }
        if IonTextReader.isDigit(peek()) { throw fail("too many digits in timestamp \(what)") }
        return value
    }

    private mutating func expect(_ byte: UInt8, _ after: String) throws(IonError) {
        guard !atEnd, peek() == byte else {
            throw fail("expected '\(Character(Unicode.Scalar(byte)))' after \(after), found \(describeCurrent())")
        }
        pos += 1
    }
}
