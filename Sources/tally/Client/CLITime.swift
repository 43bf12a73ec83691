import Foundation

/// Times on the command line: ISO-8601 UTC out; ISO-8601, epoch seconds or `now` in.
enum CLITime {
    static func iso(epochSeconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: epochSeconds))
    }

    static func nowISO() -> String { iso(epochSeconds: Date().timeIntervalSince1970) }

    /// `now`, epoch seconds (`1714564800` or `1714564800.5`), or ISO-8601
    /// (`2024-05-01T12:00:00Z`, fractional seconds and offsets allowed, a bare date means midnight UTC).
    static func parse(_ text: String, now: Date = Date()) throws -> Double {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.lowercased() == "now" { return now.timeIntervalSince1970 }
        if let seconds = Double(t), seconds.isFinite { return seconds }
        let f = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds],
                                                       [.withInternetDateTime], [.withFullDate]] {
            f.formatOptions = options
            if let d = f.date(from: t) { return d.timeIntervalSince1970 }
        }
        throw CLIError("'\(text)' is not a time: use ISO-8601 (2024-05-01T12:00:00Z), epoch seconds, or 'now'")
    }
}
