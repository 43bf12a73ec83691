/// Decimal and timestamp bodies, with the range checks Ion 1.0 requires.
extension BinaryDecoder {
    /// A non-empty decimal body ending at `end`: VarInt exponent, then an Int coefficient
    /// (possibly empty, meaning 0; `0x80` alone is negative zero).
    mutating func readDecimal(end: Int, start: Int) throws(IonError) -> IonDecimal {
        guard pos < end else { return IonDecimal(coefficient: 0, exponent: 0) }
        let (exponent, _) = try readVarInt(end: end)
        let negative = pos < end && buf[pos] & 0x80 != 0
        let coefficient = try makeInt(negative: negative, from: pos, to: end, signBitInFirstByte: true)
        pos = end
        return IonDecimal(coefficient: coefficient, exponent: exponent, isNegativeZero: negative)
    }

    /// A timestamp body ending at `end`: offset VarInt (-0 = unknown), year, then optional
    /// month, day, hour+minute, second, fraction exponent and coefficient, all in UTC.
    mutating func readTimestamp(end: Int, start: Int) throws(IonError) -> IonTimestamp {
        guard pos < end else {
            throw IonError("timestamp has no offset and year", offset: start)
        }
        let (offsetValue, offsetUnknown) = try readVarInt(end: end)
        guard pos < end else {
            throw IonError("timestamp has no year", offset: start)
        }
        let year = try readVarUInt(end: end)
        var month = 1, day = 1, hour = 0, minute = 0, second = 0
        var precision = IonTimestamp.Precision.year
        var fraction: IonDecimal?
        if pos < end {
            month = try readVarUInt(end: end)
            precision = .month
        }
        if pos < end {
            day = try readVarUInt(end: end)
            precision = .day
        }
        if pos < end {
            hour = try readVarUInt(end: end)
            guard pos < end else {
                throw IonError("timestamp has an hour without a minute", offset: start)
            }
            minute = try readVarUInt(end: end)
            precision = .minute
        }
        if pos < end {
            second = try readVarUInt(end: end)
            precision = .second
        }
        if pos < end {
            fraction = try readFraction(end: end, start: start)
        }

        guard (0 ... 9999).contains(year), (1 ... 12).contains(month),
              IonTimestamp.isValidDay(day, month: month, year: year),
              hour < 24, minute < 60, second < 60 else {
            throw IonError("timestamp field out of range", offset: start)
        }
        var offset: Int?
        if precision >= .minute && !offsetUnknown {
            guard offsetValue > -1440 && offsetValue < 1440 else {
                throw IonError("timestamp offset \(offsetValue) minutes is out of range", offset: start)
            }
            offset = offsetValue
        }
        guard let minutes = offset, minutes != 0 else {
            // UTC or an unknown offset: the fields are the local ones, built once in place
            // (through `fromUTC` and its year check a copy more: +1.2 % of the decoder's instructions).
            guard year >= 1 else { throw IonError("timestamp year out of range", offset: start) }
            return IonTimestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                                fraction: fraction, offsetMinutes: offset, precision: precision)
        }
        let timestamp = IonTimestamp.fromUTC(year: year, month: month, day: day, hour: hour, minute: minute,
                                             second: second, fraction: fraction, offsetMinutes: offset,
                                             precision: precision)
        guard (1 ... 9999).contains(timestamp.year) else {
            throw IonError("timestamp year out of range", offset: start)
        }
        return timestamp
    }

    /// Fractional seconds: must be in [0, 1). A zero fraction with a non-negative exponent adds
    /// no precision and becomes nil; a negative-zero coefficient is the same as zero.
    private mutating func readFraction(end: Int, start: Int) throws(IonError) -> IonDecimal? {
        let (exponent, _) = try readVarInt(end: end)
        let negative = pos < end && buf[pos] & 0x80 != 0
        let coefficient = try makeInt(negative: negative, from: pos, to: end, signBitInFirstByte: true)
        pos = end
        if coefficient.isZero {
            return exponent < 0 ? IonDecimal(coefficient: 0, exponent: exponent) : nil
        }
        guard !coefficient.isNegative else {
            throw IonError("timestamp fractional seconds are negative", offset: start)
        }
        guard exponent < 0, Self.isBelowPowerOfTen(coefficient, -exponent) else {
            throw IonError("timestamp fractional seconds are not less than 1", offset: start)
        }
        return IonDecimal(coefficient: coefficient, exponent: exponent)
    }

    /// Whether a positive int is below 10^`power` (has at most `power` digits).
    private static func isBelowPowerOfTen(_ value: IonInt, _ power: Int) -> Bool {
        switch value {
        case .small(let v):
            guard power < 19 else { return true }   // 10^19 exceeds every Int64
            var limit: Int64 = 1
            for _ in 0 ..< power { limit &*= 10 }
            return v < limit
        case .big:
            return value.description.utf8.count - (value.isNegative ? 1 : 0) <= power
        }
    }
}
