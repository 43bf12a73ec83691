import Ion
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Milliseconds since the Unix epoch ↔ Ion timestamps. Block and revision
/// times are millisecond-precision UTC timestamps (`2022-06-08T18:46:46.512Z`).
public enum LedgerTime {
    /// The wall clock, shifted by `Failpoints`' clock offset when a test armed one.
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000 + Failpoints.wallClockOffsetMilliseconds
    }

    /// A UTC timestamp with exactly millisecond precision (fraction exponent -3).
    public static func timestamp(milliseconds ms: Int64) -> IonTimestamp {
        let days = floorDiv(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (y, m, d) = CivilDate.date(days: Int(days))
        let fraction = IonDecimal(coefficient: IonInt(Int(msOfDay % 1000)), exponent: -3)
        return IonTimestamp(year: y, month: m, day: d,
                            hour: Int(msOfDay / 3_600_000), minute: Int(msOfDay / 60_000 % 60),
                            second: Int(msOfDay / 1000 % 60), fraction: fraction,
                            offsetMinutes: 0, precision: .second)
    }

    /// The instant of any timestamp, in milliseconds (sub-millisecond digits truncated).
    public static func milliseconds(of ts: IonTimestamp) -> Int64 {
        let u = ts.utcFields
        let days = Int64(CivilDate.days(year: u.year, month: u.month, day: u.day))
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
}

extension LedgerTime {
    /// A monotonic clock for measuring durations.
    public static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public static func monotonicMilliseconds() -> Int64 { Int64(monotonicNanoseconds() / 1_000_000) }
}
