import Ion
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Milliseconds since the Unix epoch ↔ Ion timestamps. Block and revision
/// times are millisecond-precision UTC timestamps (`2022-06-08T18:46:46.512Z`).
public enum LedgerTime {
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// A UTC timestamp with exactly millisecond precision (fraction exponent -3).
    public static func timestamp(milliseconds ms: Int64) -> IonTimestamp {
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (y, m, d) = civil(fromDays: days)
        let fraction = IonDecimal(coefficient: IonInt(Int(msOfDay % 1000)), exponent: -3)
        return IonTimestamp(year: y, month: m, day: d,
                            hour: Int(msOfDay / 3_600_000), minute: Int(msOfDay / 60_000 % 60),
                            second: Int(msOfDay / 1000 % 60), fraction: fraction,
                            offsetMinutes: 0, precision: .second)
    }

    /// The instant of any timestamp, in milliseconds (sub-millisecond digits truncated).
    public static func milliseconds(of ts: IonTimestamp) -> Int64 {
        let u = ts.utcFields
        let days = daysFromCivil(year: u.year, month: u.month, day: u.day)
        var ms = ((days * 24 + Int64(u.hour)) * 60 + Int64(u.minute)) * 60_000
        if ts.precision >= .second {
            ms += Int64(ts.second) * 1000
            if let fraction = ts.fraction { ms += fractionMilliseconds(fraction) }
        }
        return ms
    }

    static func fractionMilliseconds(_ f: IonDecimal) -> Int64 {
        guard !f.coefficient.isZero, f.exponent < 0 else { return 0 }
        var digits = f.coefficient.description
        if digits.hasPrefix("-") { return 0 }
        let places = -f.exponent
        if digits.count < places { digits = String(repeating: "0", count: places - digits.count) + digits }
        let firstThree = (digits + "000").prefix(3)
        return Int64(firstThree) ?? 0
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }
}

extension LedgerTime {
    /// A monotonic clock for measuring durations.
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
