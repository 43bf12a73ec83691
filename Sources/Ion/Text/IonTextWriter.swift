/// Writes values as Ion 1.0 text that reads back to data-model-equivalent
/// values. Compact form (`{a:1,b:[2,3]}`, top-level values separated by a
/// space) or pretty form (indented, one container element per line,
/// top-level values separated by a newline).
public struct IonTextWriter: Sendable {
    public let pretty: Bool
    /// The UTF-8 text written so far.
    public internal(set) var bytes: [UInt8] = []
    private var topLevelCount = 0

    public init(pretty: Bool = false) {
        self.pretty = pretty
        bytes.reserveCapacity(256)
    }

    /// The text written so far.
    public var output: String { String(decoding: bytes, as: UTF8.self) }

    /// Writes one top-level value.
    public mutating func write(_ value: IonValue) {
        if topLevelCount > 0 { bytes.append(pretty ? 0x0A : 0x20) }
        topLevelCount += 1
        writeValue(value, indent: 0)
    }

    public mutating func write(_ values: [IonValue]) {
        for value in values { write(value) }
    }

    // MARK: - Values and containers

    mutating func writeValue(_ value: IonValue, indent: Int) {
        for annotation in value.annotations {
            writeSymbol(annotation)
            append("::")
        }
        switch value.content {
        case .null(let type):
            append("null")
            if type != .null {
                bytes.append(UInt8(ascii: "."))
                append(type.description)
            }
        case .bool(let b): append(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .float(let d): writeFloat(d)
        case .decimal(let d): append(d.description)
        case .timestamp(let t): writeTimestamp(t)
        case .symbol(let s): writeSymbol(s)
        case .string(let s): writeQuoted(s, quote: UInt8(ascii: "\""))
        case .clob(let c): writeClob(c)
        case .blob(let b): writeBlob(b)
        case .list(let elements):
            writeSequence(elements, open: UInt8(ascii: "["), close: UInt8(ascii: "]"),
                          separator: UInt8(ascii: ","), indent: indent)
        case .sexp(let elements):
            writeSequence(elements, open: UInt8(ascii: "("), close: UInt8(ascii: ")"),
                          separator: pretty ? nil : UInt8(ascii: " "), indent: indent)
        case .struct(let fields):
            writeStruct(fields, indent: indent)
        }
    }

    private mutating func writeSequence(_ elements: [IonValue], open: UInt8, close: UInt8,
                                        separator: UInt8?, indent: Int) {
        bytes.append(open)
        if elements.isEmpty {
            bytes.append(close)
            return
        }
        for (i, element) in elements.enumerated() {
            if i > 0, let separator { bytes.append(separator) }
            if pretty { newline(indent + 1) }
            writeValue(element, indent: indent + 1)
        }
        if pretty { newline(indent) }
        bytes.append(close)
    }

    private mutating func writeStruct(_ fields: [IonField], indent: Int) {
        bytes.append(UInt8(ascii: "{"))
        if fields.isEmpty {
            bytes.append(UInt8(ascii: "}"))
            return
        }
        for (i, field) in fields.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            if pretty { newline(indent + 1) }
            writeSymbol(field.name)
            bytes.append(UInt8(ascii: ":"))
            if pretty { bytes.append(0x20) }
            writeValue(field.value, indent: indent + 1)
        }
        if pretty { newline(indent) }
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func newline(_ indent: Int) {
        bytes.append(0x0A)
        for _ in 0..<indent {
            bytes.append(0x20)
            bytes.append(0x20)
        }
    }

    @inline(__always) mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    // MARK: - Symbols

    /// A symbol token: bare when it is an identifier that cannot be read as
    /// something else, quoted otherwise; `$0` when its text is unknown.
    mutating func writeSymbol(_ symbol: IonSymbol) {
        guard let text = symbol.text else {
            append("$0")
            return
        }
        if IonTextWriter.canWriteBare(text) {
            append(text)
        } else {
            writeQuoted(text, quote: UInt8(ascii: "'"))
        }
    }

    static func canWriteBare(_ text: String) -> Bool {
        var utf8 = text.utf8.makeIterator()
        guard let first = utf8.next(), IonTextReader.isIdentifierStart(first) else { return false }
        var allDigitsAfterFirst = true
        var count = 1
        while let b = utf8.next() {
            guard IonTextReader.isIdentifierPart(b) else { return false }
            if !IonTextReader.isDigit(b) { allDigitsAfterFirst = false }
            count += 1
        }
        if first == UInt8(ascii: "$") {
            // `$7` is a symbol id; `$ion_1_0` and the like are version markers.
            if count > 1 && allDigitsAfterFirst { return false }
            if text.hasPrefix("$ion_") { return false }
        }
        switch text {
        case "null", "true", "false", "nan": return false
        default: return true
        }
    }
}
