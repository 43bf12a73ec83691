import BigInt
import Foundation
import Ion

/// EXTRACT, DATE_ADD, DATE_DIFF, UTCNOW outside a ledger.
enum DateTime {
    static func systemNow() -> IonTimestamp {
        let ms = Int64(Date().timeIntervalSince1970 * 1000)
        let days = Int(ms / 86_400_000)
        let rem = Int(ms % 86_400_000)
        let (y, m, d) = CivilDate.date(days: days)
        return IonTimestamp(year: y, month: m, day: d, hour: rem / 3_600_000, minute: rem / 60_000 % 60,
                            second: rem / 1000 % 60, fraction: IonDecimal(coefficient: IonInt(rem % 1000), exponent: -3),
                            offsetMinutes: 0, precision: .second)
    }

    static func args(_ vs: [Value], from: Int = 0) -> Value? {
        if vs[from...].contains(where: { $0.isMissing }) { return .missing }
        if vs[from...].contains(where: { $0.isNull }) { return .nullValue }
        return nil
    }

    static func extract(_ vs: [Value], _ ctx: EvalContext) throws -> Value {
        if let n = args(vs, from: 1) { return n }
        guard case .timestamp(let t) = vs[1], let part = vs[0].text else {
            return try ctx.typeError("EXTRACT requires a timestamp, found \(vs[1].typeName)")
        }
        switch part {
        case "year": return .integer(t.year)
        case "month": return .integer(t.month)
        case "day": return .integer(t.day)
        case "hour": return .integer(t.hour)
        case "minute": return .integer(t.minute)
        case "second":
            var d = Dec(coef: BigInt(t.second), exp: 0)
            if let f = t.fraction, t.precision == .second { d = try Dec.add(d, Dec(f)) }
            return .decimal(d.ion)
        case "timezone_hour": return .integer((t.offsetMinutes ?? 0) / 60)
        case "timezone_minute": return .integer((t.offsetMinutes ?? 0) % 60)
        default: throw PartiQLError.eval("unknown date part \(part)")
        }
    }

    static func partPrecision(_ part: String) -> IonTimestamp.Precision {
        switch part {
        case "year": return .year
        case "month": return .month
        case "day": return .day
        case "hour", "minute": return .minute
        default: return .second
        }
    }

    static func dateAdd(_ vs: [Value], _ ctx: EvalContext) throws -> Value {
        if let n = args(vs, from: 1) { return n }
        guard let part = vs[0].text, case .int(let amountI) = vs[1], case .timestamp(var t) = vs[2] else {
            return try ctx.typeError("DATE_ADD requires (part, integer, timestamp)")
        }
        guard let amount = amountI.int64, abs(amount) < 1_000_000_000_000 else { throw PartiQLError.eval("DATE_ADD amount out of range") }
        let n = Int(amount)
        let wanted = partPrecision(part)
        if t.precision < wanted {
            if t.precision < .minute && wanted >= .minute { t.offsetMinutes = nil }
            t.precision = wanted
        }
        switch part {
        case "year", "month":
            let total = t.year * 12 + (t.month - 1) + (part == "year" ? n * 12 : n)
            let y = total >= 0 ? total / 12 : (total - 11) / 12
            t.year = y
            t.month = total - y * 12 + 1
            t.day = min(t.day, IonTimestamp.daysInMonth(year: t.year, month: t.month))
        default:
            let unit: Int = part == "day" ? 86400 : part == "hour" ? 3600 : part == "minute" ? 60 : 1
            var seconds = (CivilDate.days(year: t.year, month: t.month, day: t.day) * 86400) + t.hour * 3600 + t.minute * 60 + t.second
            let (added, o) = seconds.addingReportingOverflow(n.multipliedReportingOverflow(by: unit).partialValue)
            if o { throw PartiQLError.eval("DATE_ADD result out of range") }
            seconds = added
            let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
            let rem = seconds - days * 86400
            (t.year, t.month, t.day) = CivilDate.date(days: days)
            t.hour = rem / 3600
            t.minute = rem / 60 % 60
            t.second = rem % 60
        }
        guard (1...9999).contains(t.year) else { throw PartiQLError.eval("DATE_ADD result out of range") }
        return .timestamp(t)
    }

    static func dateDiff(_ vs: [Value], _ ctx: EvalContext) throws -> Value {
        if let n = args(vs, from: 1) { return n }
        guard let part = vs[0].text, case .timestamp(let a) = vs[1], case .timestamp(let b) = vs[2] else {
            return try ctx.typeError("DATE_DIFF requires (part, timestamp, timestamp)")
        }
        let ua = utc(a), ub = utc(b)
        switch part {
        case "year", "month":
            var months = (ub.y * 12 + ub.m) - (ua.y * 12 + ua.m)
            let order = ub.rest != ua.rest ? (ub.rest < ua.rest ? -1 : 1) : ub.fraction.compare(ua.fraction)
            if months > 0 && order < 0 { months -= 1 }
            if months < 0 && order > 0 { months += 1 }
            return .integer(part == "year" ? months / 12 : months)
        default:
            let (sa, fa) = Compare.instant(a), (sb, fb) = Compare.instant(b)
            // Truncate (sb - sa) + (fb - fa) toward zero; the fractions differ by less than 1.
            var seconds = sb - sa
            let fractionOrder = fb.compare(fa)
            if seconds > 0 && fractionOrder < 0 { seconds -= 1 } else if seconds < 0 && fractionOrder > 0 { seconds += 1 }
            let unit: Int = part == "day" ? 86400 : part == "hour" ? 3600 : part == "minute" ? 60 : 1
            return .integer(seconds / unit)
        }
    }

    /// UTC fields; `rest` (seconds into the month) then `fraction` order the position within a month.
    private static func utc(_ t: IonTimestamp) -> (y: Int, m: Int, rest: Int, fraction: Dec) {
        let f = t.utcFields
        let rest = ((f.day * 24 + f.hour) * 60 + f.minute) * 60 + t.second
        return (f.year, f.month, rest, Compare.instant(t).fraction)
    }
}
