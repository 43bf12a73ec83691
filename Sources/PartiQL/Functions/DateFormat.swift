import Ion

/// TO_STRING / TO_TIMESTAMP with Java-style format patterns (y M d H h m s S n a X x).
extension DateTime {
    enum Piece { case field(Character, Int), literal(String) }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    static func compile(_ pattern: String) throws -> [Piece] {
        var out: [Piece] = []
        let cs = Array(pattern)
        var i = 0
        while i < cs.count {
            let c = cs[i]
            if c == "'" {
                var j = i + 1
                var lit = ""
                while j < cs.count {
                    if cs[j] == "'" {
                        if j + 1 < cs.count, cs[j + 1] == "'" { lit.append("'"); j += 2; continue }
                        break
                    }
                    lit.append(cs[j])
                    j += 1
                }
                if j >= cs.count && !(i + 1 < cs.count && cs[i + 1] == "'") { throw PartiQLError.eval("unterminated quote in format pattern") }
                out.append(.literal(i + 1 < cs.count && cs[i + 1] == "'" && lit.isEmpty ? "'" : lit))
                i = j + 1
                continue
            }
            if c.isLetter {
                guard "yMdHhmsSnaXx".contains(c) else { throw PartiQLError.eval("invalid format pattern letter '\(c)'") }
                var n = 1
                while i + n < cs.count, cs[i + n] == c { n += 1 }
                out.append(.field(c, n))
                i += n
                continue
            }
            out.append(.literal(String(c)))
            i += 1
        }
        return out
    }

    static func toString(_ vs: [Value], _ ctx: EvalContext) throws -> Value {
        if let n = args(vs) { return n }
        guard case .timestamp(let t) = vs[0], let pattern = vs[1].text else {
            return try ctx.typeError("TO_STRING requires (timestamp, string)")
        }
        var out = ""
        for p in try compile(pattern) {
            switch p {
            case .literal(let s): out += s
            case .field(let c, let n):
                switch c {
                case "y": out += n == 2 ? TimestampText.pad(t.year % 100, 2) : TimestampText.pad(t.year, n)
                case "M":
                    switch n {
                    case 1, 2: out += TimestampText.pad(t.month, n)
                    case 3: out += String(monthNames[t.month - 1].prefix(3))
                    case 4: out += monthNames[t.month - 1]
                    default: out += String(monthNames[t.month - 1].prefix(1))
                    }
                case "d": out += TimestampText.pad(t.day, n)
                case "H": out += TimestampText.pad(t.hour, n)
                case "h": out += TimestampText.pad(t.hour % 12 == 0 ? 12 : t.hour % 12, n)
                case "m": out += TimestampText.pad(t.minute, n)
                case "s": out += TimestampText.pad(t.second, n)
                case "a": out += t.hour < 12 ? "AM" : "PM"
                case "S", "n":
                    var digits = ""
                    if let f = t.fraction, f.exponent < 0 {
                        let d = Dec(f).description
                        if let dot = d.firstIndex(of: ".") { digits = String(d[d.index(after: dot)...]) }
                    }
                    if c == "n" {
                        digits = String((digits + String(repeating: "0", count: 9)).prefix(9))
                        out += String(Int(digits) ?? 0)
                    } else {
                        out += String((digits + String(repeating: "0", count: n)).prefix(n))
                    }
                case "X", "x":
                    let o = t.offsetMinutes ?? 0
                    if c == "X" && o == 0 { out += "Z"; continue }
                    let sign = o < 0 ? "-" : "+"
                    let hh = TimestampText.pad(abs(o) / 60, 2), mm = TimestampText.pad(abs(o) % 60, 2)
                    switch n {
                    case 1: out += sign + hh + (abs(o) % 60 != 0 ? mm : "")
                    case 2: out += sign + hh + mm
                    default: out += sign + hh + ":" + mm
                    }
                default: break
                }
            }
        }
        return .string(out)
    }

    static func toTimestamp(_ vs: [Value], _ ctx: EvalContext) throws -> Value {
        if let n = args(vs) { return n }
        guard let text = vs[0].text else { return try ctx.typeError("TO_TIMESTAMP requires a string, found \(vs[0].typeName)") }
        if vs.count == 1 {
            guard let t = TimestampText.parse(text) else { throw PartiQLError.eval("'\(text.prefix(40))' is not a valid timestamp") }
            return .timestamp(t)
        }
        guard let pattern = vs[1].text else { return try ctx.typeError("TO_TIMESTAMP pattern must be a string") }
        let chars = Array(text)
        var i = 0
        var year: Int?, month = 1, day = 1, hour = 0, minute = 0, second = 0, pm: Bool?
        var fraction: IonDecimal?
        var offset: Int?
        var precision = IonTimestamp.Precision.year
        func bad() -> PartiQLError { PartiQLError.eval("'\(text.prefix(40))' does not match the pattern '\(pattern.prefix(40))'") }
        func digits(min lo: Int, max hi: Int) throws -> Int {
            var n = 0, v = 0
            while i < chars.count, n < hi, let d = chars[i].wholeNumberValue, chars[i].isASCII { v = v * 10 + d; i += 1; n += 1 }
            if n < lo { throw bad() }
            return v
        }
        for p in try compile(pattern) {
            switch p {
            case .literal(let s):
                for c in s {
                    guard i < chars.count, chars[i] == c else { throw bad() }
                    i += 1
                }
            case .field(let c, let n):
                switch c {
                case "y":
                    let v = try digits(min: n == 2 ? 2 : 1, max: n == 2 ? 2 : 9)
                    year = n == 2 ? (v < 70 ? 2000 + v : 1900 + v) : v
                case "M":
                    if n >= 3 {
                        guard let k = monthNames.firstIndex(where: { name in
                            let want = n == 3 ? String(name.prefix(3)) : name
                            return String(chars[i...].prefix(want.count)).lowercased() == want.lowercased()
                        }) else { throw bad() }
                        i += n == 3 ? 3 : monthNames[k].count
                        month = k + 1
                    } else {
                        month = try digits(min: n, max: 2)
                    }
                    precision = max(precision, .month)
                case "d": day = try digits(min: n, max: 2); precision = max(precision, .day)
                case "H", "h": hour = try digits(min: n, max: 2); precision = max(precision, .minute)
                case "m": minute = try digits(min: n, max: 2); precision = max(precision, .minute)
                case "s": second = try digits(min: n, max: 2); precision = max(precision, .second)
                case "S", "n":
                    let start = i
                    _ = try digits(min: 1, max: c == "n" ? 9 : n)
                    fraction = Dec.parse("0." + String(chars[start..<i]))?.ion
                    precision = .second
                case "a":
                    let s = String(chars[i...].prefix(2)).uppercased()
                    guard s == "AM" || s == "PM" else { throw bad() }
                    pm = s == "PM"
                    i += 2
                case "X", "x":
                    if i < chars.count, chars[i] == "Z" || chars[i] == "z" { offset = 0; i += 1; continue }
                    guard i < chars.count, chars[i] == "+" || chars[i] == "-" else { throw bad() }
                    let neg = chars[i] == "-"
                    i += 1
                    let hh = try digits(min: 2, max: 2)
                    var mm = 0
                    if i < chars.count, chars[i] == ":" { i += 1 }
                    if i < chars.count, chars[i].isNumber { mm = try digits(min: 2, max: 2) }
                    offset = (neg ? -1 : 1) * (hh * 60 + mm)
                default: throw bad()
                }
            }
        }
        guard i == chars.count, let y = year, (1...9999).contains(y), (1...12).contains(month),
              day >= 1, day <= IonTimestamp.daysInMonth(year: y, month: month), hour < 24, minute < 60, second < 60 else { throw bad() }
        if let pm { hour = hour % 12 + (pm ? 12 : 0) }
        return .timestamp(IonTimestamp(year: y, month: month, day: day, hour: hour, minute: minute, second: second,
                                       fraction: precision == .second ? fraction : nil,
                                       offsetMinutes: precision >= .minute ? offset : nil, precision: precision))
    }
}
