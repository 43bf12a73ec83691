/// Writes values as a complete Ion 1.0 binary stream.
public enum IonBinaryWriter {
    /// The version marker, then — when the values use symbol text beyond the
    /// system table — one local symbol table `$ion_symbol_table::{symbols:[…]}`
    /// listing that text in first-use order, then the values.
    /// Symbols whose text is unknown are written as symbol id 0.
    public static func write(_ values: [IonValue]) -> [UInt8] {
        var collector = BinarySymbolCollector()
        for value in values { collector.collect(value) }

        // The encoder writes back to front: last value first, each body before its header.
        var encoder = BinaryEncoder(symbolIDs: collector.symbolIDs)
        for value in values.reversed() {
            encoder.write(value)
        }
        if !collector.localTexts.isEmpty {
            let symbols = IonValue(.list(collector.localTexts.map { IonValue(.string($0)) }))
            let table = IonValue(.struct([IonField("symbols", symbols)]), annotations: ["$ion_symbol_table"])
            encoder.write(table)
        }
        encoder.prependForward([0xE0, 0x01, 0x00, 0xEA])  // version marker
        return encoder.finish()
    }
}

/// Assigns symbol ids: system symbols keep theirs; other text gets local ids
/// from `SymbolTable.systemSymbols.count + 1` in first-use order (annotations,
/// then field names and values, depth first).
struct BinarySymbolCollector {
    private(set) var symbolIDs: [String: Int] = [:]
    private(set) var localTexts: [String] = []

    init() {
        for (index, text) in SymbolTable.systemSymbols.enumerated() {
            symbolIDs[text] = index + 1
        }
    }

    mutating func add(_ symbol: IonSymbol) {
        guard let text = symbol.text, symbolIDs[text] == nil else { return }
        symbolIDs[text] = SymbolTable.systemSymbols.count + 1 + localTexts.count
        localTexts.append(text)
    }

    mutating func collect(_ value: IonValue) {
        for annotation in value.annotations { add(annotation) }
        switch value.content {
        case .symbol(let symbol):
            add(symbol)
        case .list(let elements), .sexp(let elements):
            for element in elements { collect(element) }
        case .struct(let fields):
            for field in fields {
                add(field.name)
                collect(field.value)
            }
        default:
            break
        }
    }
}
