import Ion
import Foundation

/// The two date formats SigV4 accepts, without DateFormatter (locale-free).
public enum AMZDate {
    /// `yyyyMMdd'T'HHmmss'Z'`, as in `X-Amz-Date` (ISO-8601 basic format, UTC).
    public static func parseBasic(_ s: String) -> Date? {
        let c = Array(s.utf8)
        guard c.count == 16, c[8] == UInt8(ascii: "T"), c[15] == UInt8(ascii: "Z") else { return nil }
        guard let y = digits(c, 0, 4), let mo = digits(c, 4, 2), let d = digits(c, 6, 2),
              let h = digits(c, 9, 2), let mi = digits(c, 11, 2), let se = digits(c, 13, 2) else { return nil }
        return make(y, mo, d, h, mi, se)
    }

    /// RFC 7231 IMF-fixdate, `Wed, 01 May 2024 12:30:45 GMT` (the `Date` header).
    public static func parseHTTPDate(_ s: String) -> Date? {
        let parts = s.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", parts[0].hasSuffix(",") else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let mo = months.firstIndex(of: String(parts[2])), let d = Int(parts[1]), let y = Int(parts[3]) else {
            return nil
        }
        let t = parts[4].split(separator: ":")
        guard t.count == 3, let h = Int(t[0]), let mi = Int(t[1]), let se = Int(t[2]) else { return nil }
        return make(y, mo + 1, d, h, mi, se)
    }

    /// `yyyyMMdd'T'HHmmss'Z'` of a date, in UTC.
    public static func formatBasic(_ date: Date) -> String {
        let t = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        let secs = Int(t - days * 86400)
        let (y, m, d) = CivilDate.date(days: Int(days))
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return String(format: "%04d", y) + two(m) + two(d) + "T" + two(secs / 3600) + two(secs / 60 % 60) + two(secs % 60) + "Z"
    }

    private static func digits(_ c: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var v = 0
        for i in start..<(start + count) {
            guard c[i] >= 48, c[i] <= 57 else { return nil }
            v = v * 10 + Int(c[i] - 48)
        }
        return v
    }

    private static func make(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Date? {
        guard (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi),
              (0...60).contains(s) else { return nil }
        let days = Int64(CivilDate.days(year: y, month: mo, day: d))
        return Date(timeIntervalSince1970: TimeInterval(days * 86400 + Int64(h * 3600 + mi * 60 + s)))
    }
}
