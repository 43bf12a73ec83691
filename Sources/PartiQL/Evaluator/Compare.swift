import Ion

/// Equality and ordering of PartiQL values.
enum Compare {
    static func numeric(_ v: Value) -> Dec? {
        switch v {
        case .int(let i): return Dec(i)
        case .decimal(let d): return Dec(d)
        case .float(let f): return Dec(f)
        default: return nil
        }
    }

    /// Numeric comparison; nil when a NaN is involved.
    static func compareNumbers(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.int(.small(let x)), .int(.small(let y))): return x < y ? -1 : (x > y ? 1 : 0)
        case (.float(let x), .float(let y)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x > y ? 1 : 0)
        case (.float(let x), _) where !x.isFinite:
            if x.isNaN { return nil }
            return x < 0 ? -1 : 1
        case (_, .float(let y)) where !y.isFinite:
            if y.isNaN { return nil }
            return y < 0 ? 1 : -1
        default:
            guard let x = numeric(a), let y = numeric(b) else { return nil }
            return x.compare(y)
        }
    }

    /// Orders two timestamps by instant: whole UTC seconds, then the fractions,
    /// which `Dec.compare` orders without expanding a far-out exponent.
    static func compareInstants(_ x: IonTimestamp, _ y: IonTimestamp) -> Int {
        let (sx, fx) = instant(x), (sy, fy) = instant(y)
        if sx != sy { return sx < sy ? -1 : 1 }
        return fx.compare(fy)
    }

    /// Whole seconds since the epoch (UTC) and the fraction of the second.
    static func instant(_ t: IonTimestamp) -> (seconds: Int, fraction: Dec) {
        let seconds = t.utcMinuteOfEpoch * 60 + t.second
        guard let f = t.fraction, t.precision == .second else { return (seconds, Dec(coef: 0, exp: 0)) }
        return (seconds, Dec(f))
    }

    /// PartiQL `=` on two non-absent values (numbers by value, text by content).
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.missing, .missing): return true
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)), (.symbol(let x), .symbol(let y)),
             (.string(let x), .symbol(let y)), (.symbol(let x), .string(let y)):
            return x == y
        case (.timestamp(let x), .timestamp(let y)): return compareInstants(x, y) == 0
        case (.clob(let x), .clob(let y)), (.blob(let x), .blob(let y)): return x == y
        case (.list(let x), .list(let y)), (.sexp(let x), .sexp(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.bag(let x), .bag(let y)): return bagEqual(x, y)
        case (.struct(let x), .struct(let y)):
            guard x.count == y.count else { return false }
            var remaining = y
            for f in x {
                guard let i = remaining.firstIndex(where: { $0.name == f.name && equal(f.value, $0.value) }) else { return false }
                remaining.remove(at: i)
            }
            return true
        default:
            if a.isNumber && b.isNumber {
                if case .float(let x) = a, x.isNaN, case .float(let y) = b, y.isNaN { return true }
                return compareNumbers(a, b) == 0
            }
            return false
        }
    }

    static func bagEqual(_ x: [Value], _ y: [Value], ordered: Bool = false) -> Bool {
        guard x.count == y.count else { return false }
        if ordered {
            // For struct fields: compare as sorted multisets.
            let sx = x.sorted { order($0, $1) < 0 }
            let sy = y.sorted { order($0, $1) < 0 }
            return zip(sx, sy).allSatisfy { equal($0, $1) }
        }
        var remaining = y
        for v in x {
            guard let i = remaining.firstIndex(where: { equal(v, $0) }) else { return false }
            remaining.remove(at: i)
        }
        return true
    }

    /// Rank of a type in the total order used by ORDER BY (PartiQL spec).
    static func rank(_ v: Value) -> Int {
        switch v {
        case .annotated(_, let inner): return rank(inner)
        case .missing, .null: return 0
        case .bool: return 1
        case .int, .float, .decimal: return 2
        case .timestamp: return 3
        case .string, .symbol: return 4
        case .clob, .blob: return 5
        case .list: return 6
        case .sexp: return 7
        case .struct: return 8
        case .bag: return 9
        }
    }

    /// Total order over all values: nulls first, then by type rank, then by value.
    static func order(_ a: Value, _ b: Value) -> Int {
        let ra = rank(a), rb = rank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.timestamp(let x), .timestamp(let y)): return compareInstants(x, y)
        case (.clob(let x), .clob(let y)), (.blob(let x), .blob(let y)), (.clob(let x), .blob(let y)), (.blob(let x), .clob(let y)):
            return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        case (.list(let x), .list(let y)), (.sexp(let x), .sexp(let y)), (.bag(let x), .bag(let y)):
            for (p, q) in zip(x, y) {
                let c = order(p, q)
                if c != 0 { return c }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        case (.struct(let x), .struct(let y)):
            let sx = x.sorted { $0.name < $1.name }, sy = y.sorted { $0.name < $1.name }
            for (p, q) in zip(sx, sy) {
                if p.name != q.name { return p.name < q.name ? -1 : 1 }
                let c = order(p.value, q.value)
                if c != 0 { return c }
            }
            return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
        default:
            if let x = a.text, let y = b.text { return x == y ? 0 : (x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : 1) }
            if a.isNumber {
                if case .float(let x) = a, x.isNaN { if case .float(let y) = b, y.isNaN { return 0 }; return -1 }
                if case .float(let y) = b, y.isNaN { return 1 }
                return compareNumbers(a, b) ?? 0
            }
            return 0
        }
    }

    /// A key for grouping and DISTINCT: equal values (by `equal`) give equal keys.
    static func key(_ v: Value) -> String {
        var out = ""
        appendKey(v, &out)
        return out
    }

    private static func appendKey(_ v: Value, _ out: inout String) {
        switch v {
        case .annotated(_, let inner): appendKey(inner, &out)
        case .missing: out += "M;"
        case .null: out += "N;"
        case .bool(let b): out += b ? "T;" : "F;"
        case .int, .decimal, .float:
            if case .float(let f) = v, !f.isFinite { out += "f\(f);"; return }
            if let d = numeric(v) { out += "n" + d.canonicalText + ";" }
        case .timestamp(let t):
            let (seconds, fraction) = instant(t)
            out += "t\(seconds)+" + fraction.canonicalText + ";"
        case .string(let s), .symbol(let s): out += "s\(s.utf8.count):" + s + ";"
        case .clob(let b), .blob(let b): out += "b" + b.map { String($0) }.joined(separator: ",") + ";"
        case .list(let x): out += "["; x.forEach { appendKey($0, &out) }; out += "]"
        case .sexp(let x): out += "("; x.forEach { appendKey($0, &out) }; out += ")"
        case .bag(let x):
            out += "<<" + x.map { key($0) }.sorted().joined() + ">>"
        case .struct(let fields):
            out += "{" + fields.map { "\($0.name.utf8.count):\($0.name)=" + key($0.value) }.sorted().joined() + "}"
        }
    }
}
