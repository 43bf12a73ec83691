import Ion

/// Helpers for the binary reader/writer tests.
enum BinaryTestSupport {
    static func read(_ bytes: [UInt8], maxDepth: Int = 100) throws(IonError) -> [IonValue] {
        try IonBinaryReader(bytes, options: IonReadOptions(maxDepth: maxDepth)).readAll()
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    }

    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0 ... $0 + 1]), radix: 16)! }
    }

    /// Makes values comparable with `==` across a binary round trip: NaN floats
    /// become a marker holding their bit pattern, and unknown-text symbols lose
    /// their sid (the writer writes every one as $0).
    static func normalized(_ values: [IonValue]) -> [IonValue] { values.map(normalized) }

    static func normalized(_ value: IonValue) -> IonValue {
        var result = value
        result.annotations = value.annotations.map(normalized)
        switch value.content {
        case .float(let d) where d.isNaN:
            result.content = .symbol(IonSymbol("NaN bits \(d.bitPattern)"))
        case .symbol(let s):
            result.content = .symbol(normalized(s))
        case .list(let xs):
            result.content = .list(normalized(xs))
        case .sexp(let xs):
            result.content = .sexp(normalized(xs))
        case .struct(let fields):
            result.content = .struct(fields.map { IonField(normalized($0.name), normalized($0.value)) })
        default:
            break
        }
        return result
    }

    static func normalized(_ symbol: IonSymbol) -> IonSymbol {
        symbol.text == nil ? IonSymbol(unknownSID: 0) : symbol
    }
}
