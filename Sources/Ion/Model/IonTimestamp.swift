/// An Ion timestamp as written: local date and time fields, the offset from
/// UTC in minutes (`nil` for the unknown offset `-00:00`), and a precision.
/// Fields below the precision are their minimum (month/day 1, others 0).
public struct IonTimestamp: Hashable, Sendable {
    public enum Precision: Int, Comparable, Sendable {
        case year, month, day, minute, second

        public static func < (a: Precision, b: Precision) -> Bool { a.rawValue < b.rawValue }
    }

    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Fractional seconds in [0, 1), with their precision (`.000` has exponent -3).
    /// Only meaningful at `.second` precision; `nil` when none was given.
    public var fraction: IonDecimal?
    public var offsetMinutes: Int?
    public var precision: Precision

    public init(year: Int, month: Int = 1, day: Int = 1, hour: Int = 0, minute: Int = 0, second: Int = 0,
                fraction: IonDecimal? = nil, offsetMinutes: Int? = nil, precision: Precision) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.fraction = fraction
        self.offsetMinutes = offsetMinutes
        self.precision = precision
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Whether `day` exists in that month (1…12) of that year; only a day past
    /// the 28th needs the month's length.
    @inline(__always)
    public static func isValidDay(_ day: Int, month: Int, year: Int) -> Bool {
        day >= 1 && (day <= 28 || day <= daysInMonth(year: year, month: month))
    }

    /// Minutes since the epoch of this timestamp's whole minute, in UTC.
    public var utcMinuteOfEpoch: Int {
        let days = CivilDate.days(year: year, month: month, day: day)
        return (days * 24 + hour) * 60 + minute - (offsetMinutes ?? 0)
    }

    /// The same instant with its fields in UTC (offset kept as it was).
    /// Binary Ion and Ion Hash store these.
    public var utcFields: (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        guard precision >= .minute else { return (year, month, day, hour, minute) }
        // At UTC (most ledger timestamps) valid fields are already the answer.
        if offsetMinutes ?? 0 == 0, (1...12).contains(month), (0..<24).contains(hour), (0..<60).contains(minute),
           Self.isValidDay(day, month: month, year: year) {
            return (year, month, day, hour, minute)
        }
        let total = utcMinuteOfEpoch
        let dayNumber = total >= 0 ? total / 1440 : (total - 1439) / 1440
        let minuteOfDay = total - dayNumber * 1440
        let (y, m, d) = CivilDate.date(days: dayNumber)
        return (y, m, d, minuteOfDay / 60, minuteOfDay % 60)
    }

    /// Builds a timestamp from UTC fields and an offset, converting to local time.
    public static func fromUTC(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int,
                               fraction: IonDecimal?, offsetMinutes: Int?, precision: Precision) -> IonTimestamp {
        var ts = IonTimestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                              fraction: fraction, offsetMinutes: offsetMinutes, precision: precision)
        guard precision >= .minute, let offset = offsetMinutes, offset != 0 else { return ts }
        let total = (CivilDate.days(year: year, month: month, day: day) * 24 + hour) * 60 + minute + offset
        let dayNo = total >= 0 ? total / 1440 : (total - 1439) / 1440
        let minuteOfDay = total - dayNo * 1440
        let (y, m, d) = CivilDate.date(days: dayNo)
        ts.year = y
        ts.month = m
        ts.day = d
        ts.hour = minuteOfDay / 60
        ts.minute = minuteOfDay % 60
        return ts
    }
}
