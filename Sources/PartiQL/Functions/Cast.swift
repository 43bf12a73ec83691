import Foundation
import BigInt
import Ion

/// CAST, CAN_CAST and CAN_LOSSLESS_CAST.
enum Cast {
    struct Failure: Error { var message: String }

    static func apply(_ v: Value, _ type: TypeName, _ kind: CastKind, _ ctx: EvalContext) throws -> Value {
        switch kind {
        case .cast:
            if type == .missing { return .missing }
            if v.isMissing { return .missing }
            if type == .null || v.isNull { return .nullValue }
            do {
                return try convert(v, type)
            } catch let f as Failure {
                return try ctx.typeError(f.message)
            }
        case .canCast:
            if v.isAbsent { return .bool(type == .null || type == .missing || type == .any || (v.isMissing ? type == .missing : type == .null)) }
            return .bool((try? convert(v, type)) != nil)
        case .canLosslessCast:
            if v.isAbsent { return .bool(type == .any || (v.isMissing ? type == .missing : type == .null)) }
            guard let c = try? convert(v, type), let back = try? convert(c, typeName(of: v)) else { return .bool(false) }
            return .bool(Compare.equal(back, v) && Compare.rank(back) == Compare.rank(v))
        }
    }

    static func typeName(of v: Value) -> TypeName {
        switch v {
        case .annotated(_, let inner): return typeName(of: inner)
        case .missing: return .missing
        case .null: return .null
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        case .decimal: return .decimal
        case .timestamp: return .timestamp
        case .symbol: return .symbol
        case .string: return .string
        case .clob: return .clob
        case .blob: return .blob
        case .list: return .list
        case .sexp: return .sexp
        case .bag: return .bag
        case .struct: return .struct
        }
    }

    static func fail(_ v: Value, _ t: TypeName) -> Failure {
        Failure(message: "cannot cast \(v.typeName) to \(t.rawValue)")
    }

    static func convert(_ v: Value, _ t: TypeName) throws -> Value {
        switch t {
        case .any: return v
        case .null, .missing: throw fail(v, t)
        case .bool:
            switch v {
            case .bool: return v
            case .int, .float, .decimal:
                if case .float(let d) = v { return .bool(d != 0) }
                return .bool(!(Compare.numeric(v)?.isZero ?? true))
            case .string(let s), .symbol(let s):
                switch s.lowercased() {
                case "true": return .bool(true)
                case "false": return .bool(false)
                default: throw fail(v, t)
                }
            default: throw fail(v, t)
            }
        case .int, .smallint, .int4, .int8:
            switch v {
            case .bool(let b): return .integer(b ? 1 : 0)
            case .int: return v
            case .float(let d):
                guard d.isFinite, let i = Int64(exactly: d.rounded(.toNearestOrEven)) else {
                    if d.isFinite { throw PartiQLError.eval("integer overflow in CAST") }
                    throw fail(v, t)
                }
                return .int(.small(i))
            case .decimal(let d):
                guard let i = Dec(d).rounded(scale: 0).int64 else { throw PartiQLError.eval("integer overflow in CAST: value out of range for INT") }
                return .int(.small(i))
            case .string(let s), .symbol(let s):
                return try parseInt(s.trimmedSpaces(), v, t)
            default: throw fail(v, t)
            }
        case .float, .real, .doublePrecision:
            switch v {
            case .bool(let b): return .float(b ? 1 : 0)
            case .float: return v
            case .int(let i): return .float(i.int64.map(Double.init) ?? Dec(i).double)
            case .decimal(let d): return .float(Dec(d).double)
            case .string(let s), .symbol(let s):
                let x = s.trimmedSpaces()
                switch x.lowercased() {
                case "nan": return .float(.nan)
                case "inf", "+inf", "infinity", "+infinity": return .float(.infinity)
                case "-inf", "-infinity": return .float(-.infinity)
                default:
                    guard Dec.parse(x) != nil, let d = Double(x) else { throw fail(v, t) }
                    return .float(d)
                }
            default: throw fail(v, t)
            }
        case .decimal, .numeric:
            switch v {
            case .bool(let b): return .decimal(IonDecimal(coefficient: IonInt(b ? 1 : 0), exponent: 0))
            case .decimal: return v
            case .int(let i): return .decimal(IonDecimal(coefficient: i, exponent: 0))
            case .float(let d):
                guard let x = Dec(d) else { throw fail(v, t) }
                return .decimal(x.ion)
            case .string(let s), .symbol(let s):
                guard let d = Dec.parse(s.trimmedSpaces()) else { throw fail(v, t) }
                return .decimal(d.ion)
            default: throw fail(v, t)
            }
        case .string, .symbol, .varchar, .char:
            let text: String
            switch v {
            case .bool(let b): text = b ? "true" : "false"
            case .int(let i): text = i.description
            case .float(let d): text = d.isNaN ? "nan" : d.isInfinite ? (d > 0 ? "+inf" : "-inf") : formatFloat(d)
            case .decimal(let d): text = Dec(d).description
            case .string(let s), .symbol(let s): text = s
            case .timestamp(let ts): text = TimestampText.format(ts)
            default: throw fail(v, t)
            }
            return t == .symbol ? .symbol(text) : .string(text)
        case .timestamp:
            switch v {
            case .timestamp: return v
            case .string(let s), .symbol(let s):
                guard let ts = TimestampText.parse(s) else { throw fail(v, t) }
                return .timestamp(ts)
            default: throw fail(v, t)
            }
        case .clob, .blob:
            switch v {
            case .clob(let b), .blob(let b): return t == .clob ? .clob(b) : .blob(b)
            default: throw fail(v, t)
            }
        case .list, .sexp, .bag:
            guard let items = v.elements else { throw fail(v, t) }
            return t == .list ? .list(items) : t == .sexp ? .sexp(items) : .bag(items)
        case .struct:
            if case .struct = v { return v }
            throw fail(v, t)
        }
    }

    static func parseInt(_ s: String, _ v: Value, _ t: TypeName) throws -> Value {
        var text = Substring(s)
        var neg = false
        if text.first == "-" { neg = true; text = text.dropFirst() } else if text.first == "+" { text = text.dropFirst() }
        var radix = 10
        if text.lowercased().hasPrefix("0x") { radix = 16; text = text.dropFirst(2) } else if text.lowercased().hasPrefix("0b") {
            radix = 2
            text = text.dropFirst(2)
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isHexDigit && Int(String($0), radix: radix) != nil }) else {
            // Decimal text truncates.
            if let d = Dec.parse(s), let i = d.int64 { return .int(.small(i)) }
            throw fail(v, t)
        }
        // Past 64 significant digits no radix fits an Int64: refuse before BigInt parses it.
        let significant = text.drop { $0 == "0" }
        guard significant.count <= 64, let mag = BigInt(String(significant.isEmpty ? "0" : significant), radix: radix),
              let i = Int64(exactly: neg ? -mag : mag) else { throw fail(v, t) }
        return .int(.small(i))
    }

    static func formatFloat(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e16 { return String(format: "%.1f", d) }
        return "\(d)"
    }
}

extension String {
    func trimmedSpaces() -> String {
        let c: Character = " "
        var s = Substring(self)
        while s.first == c { s = s.dropFirst() }
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
