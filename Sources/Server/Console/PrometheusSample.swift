/// One sample line of the Prometheus text format: `name{a="x",b="y"} 1.5`.
struct PrometheusSample {
    var name: String
    var labels: [(String, String)]
    var value: Double

    init?(line: String) {
        let chars = Array(line)
        var i = 0
        while i < chars.count, chars[i] != "{", chars[i] != " " { i += 1 }
        name = String(chars[0..<i])
        labels = []
        if i < chars.count, chars[i] == "{" {
            i += 1
            while i < chars.count, chars[i] != "}" {
                var key = ""
                while i < chars.count, chars[i] != "=" { key.append(chars[i]); i += 1 }
                i += 2   // ="
                var value = ""
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        value.append(chars[i] == "n" ? "\n" : chars[i])
                    } else {
                        value.append(chars[i])
                    }
                    i += 1
                }
                i += 1   // closing quote
                if i < chars.count, chars[i] == "," { i += 1 }
                labels.append((key.trimmedOfSpaces(), value))
            }
            i += 1
        }
        let rest = chars[min(i, chars.count)...].split(separator: " ").first.map { String($0) } ?? ""
        guard !name.isEmpty, let v = Double(rest) ?? PrometheusSample.special(rest) else { return nil }
        value = v
    }

    private static func special(_ s: String) -> Double? {
        switch s {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return nil
        }
    }
}

private extension String {
    func trimmedOfSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
