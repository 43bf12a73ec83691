/// Writes values as a complete Ion 1.0 binary stream.
public enum IonBinaryWriter {
    /// The version marker, then — when the values use symbol text beyond the
    /// system table — one local symbol table `$ion_symbol_table::{symbols:[…]}`
    /// listing that text in first-use order, then the values.
    /// Symbols whose text is unknown are written as symbol id 0.
    public static func write(_ values: [IonValue]) -> [UInt8] {
        var collector = BinarySymbolCollector()
        for value in values { collector.collect(value) }

        // The encoder writes back to front: last value first, each body before its header,
        // so it meets the symbols in exactly the reverse of the collector's order.
        var encoder = BinaryEncoder(symbolIDs: collector.ids)
        for value in values.reversed() {
            encoder.write(value)
        }
        if !collector.localTexts.isEmpty {
            let symbols = IonValue(.list(collector.localTexts.map { IonValue(.string($0)) }))
            let table = IonValue(.struct([IonField("symbols", symbols)]), annotations: ["$ion_symbol_table"])
            encoder.push(symbolIDs: BinarySymbolCollector.systemIDs(of: table))
            encoder.write(table)
        }
        encoder.prependForward([0xE0, 0x01, 0x00, 0xEA])  // version marker
        return encoder.finish()
    }
}

/// Assigns symbol ids: system symbols keep theirs; other text gets local ids
/// from `SymbolTable.systemSymbols.count + 1` in first-use order (annotations,
/// then field names and values, depth first). `ids` holds the id of every
/// symbol occurrence in that order, for the encoder to take from the end.
struct BinarySymbolCollector {
    private var localIDs: [String: Int] = [:]
    private(set) var localTexts: [String] = []
    private(set) var ids: [Int] = []

    init() { ids.reserveCapacity(32) }

    /// The id of a system symbol's text, or nil (by length first: most text is no system symbol).
    static func systemID(_ text: String) -> Int? {
        switch text.utf8.count {
        case 4: return text == "$ion" ? 1 : text == "name" ? 4 : nil
        case 6: return text == "max_id" ? 8 : nil
        case 7: return text == "version" ? 5 : text == "imports" ? 6 : text == "symbols" ? 7 : nil
        case 8: return text == "$ion_1_0" ? 2 : nil
        case 17: return text == "$ion_symbol_table" ? 3 : nil
        case 24: return text == "$ion_shared_symbol_table" ? 9 : nil
        default: return nil
        }
    }

    /// Local symbols are found by a linear search up to this many (cheaper
    /// than hashing for the few field names of a typical value), then by `localIDs`.
    static let linearLimit = 16

    private func localID(_ text: String) -> Int? {
        if localTexts.count <= Self.linearLimit {
            for (i, t) in localTexts.enumerated() where t == text { return SymbolTable.systemSymbols.count + 1 + i }
            return nil
        }
        return localIDs[text]
    }

    /// The ids, in collection order, of a value whose symbols are all system symbols.
    static func systemIDs(of value: IonValue) -> [Int] {
        var collector = BinarySymbolCollector()
        collector.collect(value)
        precondition(collector.localTexts.isEmpty, "not only system symbols")
        return collector.ids
    }

    mutating func add(_ symbol: borrowing IonSymbol) {
        guard let text = symbol.text else {
            ids.append(0)
            return
        }
        if let id = Self.systemID(text) {
            ids.append(id)
        } else if let id = localID(text) {
            ids.append(id)
        } else {
            let id = SymbolTable.systemSymbols.count + 1 + localTexts.count
            localTexts.append(text)
            if localTexts.count > Self.linearLimit {
                if localIDs.isEmpty {
                    localIDs.reserveCapacity(4 * Self.linearLimit)
                    for (i, t) in localTexts.enumerated() { localIDs[t] = SymbolTable.systemSymbols.count + 1 + i }
                } else {
                    localIDs[text] = id
                }
            }
            ids.append(id)
        }
    }

    /// Walks by index and borrows each element (`for x in array` copies
    /// every element: a retain and release of each field's name and value).
    mutating func collect(_ value: borrowing IonValue) {
        if !value.annotations.isEmpty {
            for i in value.annotations.indices { add(value.annotations[i]) }
        }
        switch value.content {
        case .symbol(let symbol):
            add(symbol)
        case .list(let elements), .sexp(let elements):
            for i in elements.indices { collect(elements[i]) }
        case .struct(let fields):
            for i in fields.indices {
                add(fields[i].name)
                collect(fields[i].value)
            }
        default:
            break
        }
    }
}
