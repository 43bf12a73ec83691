/// Down-converts Ion to JSON the way Ion's cookbook (and QLDB's JSON
/// journal exports) do: annotations are dropped, nulls of every type are
/// `null`, ints and decimals are JSON numbers, floats too (nan and ±inf
/// become `null`), timestamps and symbols are strings (timestamps in Ion
/// text form), blobs and clobs are base64 strings, lists and s-expressions
/// are arrays, and structs are objects (duplicate names are kept in order).
/// The conversion loses type information: JSON output is for reading, not
/// for recomputing Ion hashes.
public enum IonJSON {
    public static func write(_ value: IonValue) -> String {
        var out = ""
        append(value, to: &out)
        return out
    }

    private static func append(_ value: IonValue, to out: inout String) {
        switch value.content {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += i.description
        case .float(let d):
            if d.isFinite {
                out += d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) + ".0" : "\(d)"
            } else {
                out += "null"
            }
        case .decimal(let d): out += number(d)
        case .timestamp:
            var plain = value
            plain.annotations = []
            appendQuoted(Ion.writeText([plain]), to: &out)
        case .symbol(let s): appendQuoted(s.text ?? "$0", to: &out)
        case .string(let s): appendQuoted(s, to: &out)
        case .clob(let bytes), .blob(let bytes): appendQuoted(Base64.encode(bytes), to: &out)
        case .list(let items), .sexp(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                append(item, to: &out)
            }
            out += "]"
        case .struct(let fields):
            out += "{"
            for (i, field) in fields.enumerated() {
                if i > 0 { out += "," }
                appendQuoted(field.name.text ?? "$0", to: &out)
                out += ":"
                append(field.value, to: &out)
            }
            out += "}"
        }
    }

    /// A decimal as a JSON number: digits with a decimal point or an `e` exponent.
    private static func number(_ d: IonDecimal) -> String {
        var digits = d.coefficient.description
        var sign = ""
        if digits.hasPrefix("-") {
            sign = "-"
            digits.removeFirst()
        } else if d.isNegativeZero {
            sign = "-"
        }
        if d.exponent == 0 { return sign + digits }
        if d.exponent < 0 && -d.exponent <= digits.count + 6 { return d.description }
        return sign + digits + "e" + String(d.exponent)
    }

    /// `s` as a JSON string literal (quotes, backslash and control
    /// characters escaped; everything else as is).
    public static func appendQuoted(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
