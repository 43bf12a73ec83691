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
        var encoder = BinaryEncoder(symbols: CollectedSymbolIDs(collector.ids))
        for value in values.reversed() {
            encoder.write(value)
        }
        if !collector.localTexts.isEmpty {
            let symbols = IonValue(.list(collector.localTexts.map { IonValue(.string($0)) }))
            let table = IonValue(.struct([IonField("symbols", symbols)]), annotations: ["$ion_symbol_table"])
            encoder.symbols.push(BinarySymbolCollector.systemIDs(of: table))
            encoder.write(table)
        }
        encoder.prependForward(Ion.binaryVersionMarker)
        return encoder.finish()
    }
}

/// Where a `BinaryEncoder` gets the id of each symbol it meets (back to front).
protocol BinarySymbolSource {
    mutating func id(for symbol: borrowing IonSymbol) -> Int
}

/// Ids collected beforehand in reading order, taken from the end.
struct CollectedSymbolIDs: BinarySymbolSource {
    private var ids: [Int]

    init(_ ids: [Int]) { self.ids = ids }

    /// Ids for values still to be written (in reading order).
    mutating func push(_ more: [Int]) { ids.append(contentsOf: more) }

    mutating func id(for symbol: borrowing IonSymbol) -> Int { ids.removeLast() }
}

/// Assigns symbol ids as text is first met: system symbols keep theirs;
/// other text gets local ids from `firstID` in order of first use. Symbols
/// whose text is unknown are id 0.
struct SymbolInterner: BinarySymbolSource {
    let firstID: Int
    private var localIDs: [String: Int] = [:]
    private(set) var texts: [String] = []

    init(firstID: Int = SymbolTable.systemSymbols.count + 1) { self.firstID = firstID }

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

    mutating func id(for symbol: borrowing IonSymbol) -> Int {
        guard let text = symbol.text else { return 0 }
        return id(for: text)
    }

    mutating func id(for text: String) -> Int {
        if let id = Self.systemID(text) { return id }
        if texts.count <= Self.linearLimit {
            for i in texts.indices where texts[i] == text { return firstID + i }
        } else if let id = localIDs[text] {
            return id
        }
        let id = firstID + texts.count
        texts.append(text)
        if texts.count > Self.linearLimit {
            if localIDs.isEmpty {
                localIDs.reserveCapacity(4 * Self.linearLimit)
                for (i, t) in texts.enumerated() { localIDs[t] = firstID + i }
            } else {
                localIDs[text] = id
            }
        }
        return id
    }
}

/// Assigns symbol ids in reading order, before encoding (annotations, then
/// field names and values, depth first). `ids` holds the id of every symbol
/// occurrence in that order, for the encoder to take from the end.
struct BinarySymbolCollector {
    private var interner = SymbolInterner()
    private(set) var ids: [Int] = []

    init() { ids.reserveCapacity(32) }

    var localTexts: [String] { interner.texts }

    /// The ids, in collection order, of a value whose symbols are all system symbols.
    static func systemIDs(of value: IonValue) -> [Int] {
        var collector = BinarySymbolCollector()
        collector.collect(value)
        precondition(collector.localTexts.isEmpty, "not only system symbols")
        return collector.ids
    }

    mutating func add(_ symbol: borrowing IonSymbol) {
        ids.append(interner.id(for: symbol))
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
