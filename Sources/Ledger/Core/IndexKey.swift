import BigInt
import Ion

/// The key an equality index files a value under: equal for every two values
/// PartiQL's `=` calls equal — numbers by value (`1`, `1.0`, `1e0`), timestamps
/// by instant, strings and symbols by text, containers element by element,
/// structs as field multisets — and ignoring annotations. An index lookup
/// therefore finds exactly what a scan with the same `=` would.
///
/// The key is the value's canonical encoding itself (after `plain`) when it
/// takes at most `maxPlainBytes`, so neighbouring values (`k100001`,
/// `k100002`; 41, 42) file next to each other and a bulk load of ordered
/// values appends to one corner of the index's B-tree instead of dirtying a
/// random leaf per document; longer encodings are replaced by their SHA-256
/// (after `hashed`), since LMDB keys stop at 511 bytes. Either way no key is a
/// proper prefix of another (the canonical encoding is self-delimiting: tags,
/// lengths and closing brackets), so a scan of `index id + key` finds exactly
/// that key's documents.
public enum IndexKey {
    static let maxPlainBytes = 256
    static let plain: UInt8 = 1
    static let hashed: UInt8 = 2

    public static func of(_ value: IonValue) -> [UInt8] {
        var bytes: [UInt8] = [plain]
        append(value, to: &bytes)
        guard bytes.count > 1 + maxPlainBytes else { return bytes }
        return [hashed] + bytes.withUnsafeBytes { SHA256.hash(UnsafeRawBufferPointer(rebasing: $0.dropFirst())) }
    }

    private static func append(_ value: IonValue, to out: inout [UInt8]) {
        switch value.content {
        case .null(let type): tagged("0", type.description, &out)
        case .bool(let b): tagged("b", b ? "1" : "0", &out)
        case .int(.small(let v)): number(v, &out)
        case .int(let i): number(coefficient: i.bigInt, exponent: 0, &out)
        case .decimal(let d): number(coefficient: d.coefficient.bigInt, exponent: d.exponent, &out)
        case .float(let f):
            if f.isNaN {
                tagged("n", "nan", &out)
            } else if !f.isFinite {
                tagged("n", f < 0 ? "-inf" : "+inf", &out)
            } else if let d = decimal(of: f) {
                number(coefficient: d.coefficient, exponent: d.exponent, &out)
            }
        case .timestamp(let t):
            // The instant: whole seconds since the epoch, then the reduced fraction
            // (never scaled up to the seconds, whose exponent can be far out).
            let seconds = t.utcMinuteOfEpoch * 60 + t.second
            var fraction = BigInt(0), exponent = 0
            if t.precision == .second, let f = t.fraction {
                fraction = f.coefficient.bigInt
                exponent = f.exponent
            }
            reduce(&fraction, &exponent)
            tagged("t", "\(seconds)+\(DecimalDigits.text(fraction.magnitude))e\(exponent)", &out)
        case .symbol(let s): tagged("s", s.text ?? "$0", &out)
        case .string(let s): tagged("s", s, &out)
        case .clob(let b): tagged("c", Hex.encode(b), &out)
        case .blob(let b): tagged("B", Hex.encode(b), &out)
        case .list(let items), .sexp(let items):
            out.append(contentsOf: Array((value.type == .list ? "[" : "(").utf8))
            for item in items { append(item, to: &out) }
            out.append(UInt8(ascii: "]"))
        case .struct(let fields):
            let members = fields.map { field -> [UInt8] in
                var member: [UInt8] = []
                tagged("f", field.name.text ?? "$0", &member)
                append(field.value, to: &member)
                return member
            }.sorted { $0.lexicographicallyPrecedes($1) }
            out.append(UInt8(ascii: "{"))
            for m in members { out.append(contentsOf: m) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func number(coefficient: BigInt, exponent: Int, _ out: inout [UInt8]) {
        var c = coefficient
        var e = exponent
        reduce(&c, &e)
        tagged("n", (c.sign == .minus ? "-" : "") + DecimalDigits.text(c.magnitude) + "e\(e)", &out)
    }

    /// `number(coefficient:exponent: 0)` for an integer that fits in 64 bits: the same bytes
    /// without BigInt's division and formatting (about 6,000 instructions a key otherwise).
    private static func number(_ v: Int64, _ out: inout [UInt8]) {
        var magnitude = v.magnitude
        var zeros = 0
        while magnitude != 0 && magnitude % 10 == 0 {
            magnitude /= 10
            zeros += 1
        }
        tagged("n", (v < 0 ? "-" : "") + String(magnitude) + "e\(zeros)", &out)
    }

    /// Strips trailing decimal zeros; zero is 0e0. Bounded by the digits: the
    /// exponent only moves (saturating at Int.max, which no real value reaches).
    private static func reduce(_ c: inout BigInt, _ e: inout Int) {
        if c.isZero {
            e = 0
            return
        }
        let (stripped, zeros) = DecimalDigits.strippingTrailingZeros(c.magnitude)
        c = c.sign == .minus ? -BigInt(stripped) : BigInt(stripped)
        let (sum, overflow) = e.addingReportingOverflow(zeros)
        e = overflow ? Int.max : sum
    }

    /// A float as the decimal of its shortest round-trip text (as PartiQL compares it).
    private static func decimal(of f: Double) -> (coefficient: BigInt, exponent: Int)? {
        let text = "\(f)"  // e.g. "1.5", "-0.001", "1e-05", "1.2e+20"
        let parts = text.split(separator: "e", maxSplits: 1)
        guard let mantissa = parts.first, let exponent = parts.count > 1 ? Int(parts[1]) : 0 else { return nil }
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let fraction = pieces.count > 1 ? pieces[1] : ""
        guard let coefficient = BigInt(String(pieces[0]) + String(fraction)) else { return nil }
        return (coefficient, exponent - fraction.count)
    }

    private static func tagged(_ tag: String, _ text: String, _ out: inout [UInt8]) {
        out.append(contentsOf: Array(tag.utf8))
        let utf8 = Array(text.utf8)
        withUnsafeBytes(of: UInt32(utf8.count).bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: utf8)
    }
}
