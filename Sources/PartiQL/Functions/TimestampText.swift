import Ion

/// Ion text form of timestamps, without depending on the Ion text writer.
enum TimestampText {
    static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(abs(n))
        return (n < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - s.count)) + s
    }

    static func format(_ t: IonTimestamp) -> String {
        var s = pad(t.year, 4)
        if t.precision == .year { return s + "T" }
        s += "-" + pad(t.month, 2)
        if t.precision == .month { return s + "T" }
        s += "-" + pad(t.day, 2)
        if t.precision == .day { return s }
        s += "T" + pad(t.hour, 2) + ":" + pad(t.minute, 2)
        if t.precision == .second {
            s += ":" + pad(t.second, 2)
            if let f = t.fraction, f.exponent < 0 {
                let digits = Dec(f).description
                if let dot = digits.firstIndex(of: ".") { s += digits[dot...] }
            }
        }
        if let o = t.offsetMinutes {
            if o == 0 { s += "Z" } else {
                s += (o < 0 ? "-" : "+") + pad(abs(o) / 60, 2) + ":" + pad(abs(o) % 60, 2)
            }
        } else {
            s += "-00:00"
        }
        return s
    }

    /// Parses Ion timestamp text (`2020T`, `2020-01-02`, `2020-01-02T03:04:05.6Z`…).
    static func parse(_ text: String) -> IonTimestamp? {
        let c = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard i + n <= c.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard c[k] >= 48 && c[k] <= 57 else { return nil }
                v = v * 10 + Int(c[k] - 48)
            }
            i += n
            return v
        }
        func eat(_ ch: Character) -> Bool {
            if i < c.count, c[i] == ch.asciiValue! { i += 1; return true }
            return false
        }
        guard let y = num(4), y >= 1 else { return nil }
        if eat("T") { return i == c.count ? IonTimestamp(year: y, precision: .year) : nil }
        guard eat("-"), let mo = num(2), (1...12).contains(mo) else { return nil }
        if eat("T") { return i == c.count ? IonTimestamp(year: y, month: mo, precision: .month) : nil }
        guard eat("-"), let d = num(2), d >= 1, d <= IonTimestamp.daysInMonth(year: y, month: mo) else { return nil }
        if i == c.count { return IonTimestamp(year: y, month: mo, day: d, precision: .day) }
        guard eat("T") else { return nil }
        if i == c.count { return IonTimestamp(year: y, month: mo, day: d, precision: .day) }
        guard let h = num(2), h < 24, eat(":"), let mi = num(2), mi < 60 else { return nil }
        var ts = IonTimestamp(year: y, month: mo, day: d, hour: h, minute: mi, precision: .minute)
        if eat(":") {
            guard let s = num(2), s < 60 else { return nil }
            ts.second = s
            ts.precision = .second
            if eat(".") {
                let start = i
                while i < c.count, c[i] >= 48 && c[i] <= 57 { i += 1 }
                guard i > start, let f = Dec.parse("0." + String(decoding: c[start..<i], as: UTF8.self)) else { return nil }
                ts.fraction = f.ion
            }
        }
        if eat("Z") || eat("z") { ts.offsetMinutes = 0 } else {
            guard i < c.count else { return nil }
            let neg = c[i] == UInt8(ascii: "-")
            guard eat("+") || eat("-"), let oh = num(2), eat(":"), let om = num(2), oh < 24, om < 60 else { return nil }
            ts.offsetMinutes = (neg && oh == 0 && om == 0) ? nil : (neg ? -1 : 1) * (oh * 60 + om)
        }
        return i == c.count ? ts : nil
    }
}
