/// The symbol table a reader resolves symbol ids with: the Ion 1.0 system
/// symbols, then the symbols of imported shared tables (their text is
/// unknown here, since Tally has no shared-table catalog), then local ones.
public struct SymbolTable: Sendable {
    public static let systemSymbols: [String] = [
        "$ion", "$ion_1_0", "$ion_symbol_table", "name", "version",
        "imports", "symbols", "max_id", "$ion_shared_symbol_table",
    ]

    /// `$0` and the system symbols, then the local symbols (nil = a gap with
    /// unknown text). The ids reserved by imports, whose text is unknown,
    /// sit between the system and local symbols and are only counted
    /// (`importedCount`), so a huge `max_id` costs no memory.
    public private(set) var texts: [String?]
    /// Ids `systemSymbols.count + 1 ..< systemSymbols.count + 1 + importedCount`
    /// are reserved by imports and have unknown text.
    public private(set) var importedCount = 0

    /// `$0` and the system symbols: every new table shares this array until it adds to it.
    private static let systemTexts: [String?] = [nil] + SymbolTable.systemSymbols.map { Optional($0) }

    public init() {
        texts = SymbolTable.systemTexts
    }

    public var maxID: Int { texts.count - 1 + importedCount }

    /// Nothing but `$0` and the system symbols (a new table).
    var isSystemOnly: Bool { importedCount == 0 && texts.count == SymbolTable.systemSymbols.count + 1 }

    /// The token for symbol id `sid`: its text if known, else an unknown-text
    /// token. `nil` when the id is beyond the table (an error for the reader).
    public func symbol(for sid: Int) -> IonSymbol? {
        guard sid >= 0, sid <= maxID else { return nil }
        let firstImported = SymbolTable.systemSymbols.count + 1
        if sid >= firstImported && sid < firstImported + importedCount { return IonSymbol(unknownSID: sid) }
        let index = sid >= firstImported ? sid - importedCount : sid
        if let text = texts[index] { return IonSymbol(text) }
        return IonSymbol(unknownSID: sid)
    }

    /// Applies a local symbol table struct (`$ion_symbol_table::{…}`) read
    /// from the stream, per the Ion 1.0 symbol-table rules.
    /// Throws a message (the reader adds the position) on invalid tables.
    public mutating func applyLocalTable(_ fields: [IonField]) throws(SymbolTableError) {
        var importsField: IonValue?
        var symbolsField: IonValue?
        for field in fields {
            switch field.name.text {
            case "imports":
                if importsField != nil { throw SymbolTableError("local symbol table has more than one 'imports' field") }
                importsField = field.value
            case "symbols":
                if symbolsField != nil { throw SymbolTableError("local symbol table has more than one 'symbols' field") }
                symbolsField = field.value
            default:
                continue
            }
        }

        var next = SymbolTable()
        if let imports = importsField {
            switch imports.content {
            case .symbol(let s) where s.text == "$ion_symbol_table" && imports.annotations.isEmpty:
                next = self  // append to the current table
            case .list(let entries):
                for entry in entries { try next.addImport(entry) }
            default:
                break  // any other imports value is ignored, as if absent
            }
        }
        if let symbols = symbolsField, case .list(let entries) = symbols.content {
            for entry in entries {
                if case .string(let text) = entry.content {
                    next.texts.append(text)
                } else {
                    next.texts.append(nil)  // a gap: the id is reserved with unknown text
                }
            }
        }
        self = next
    }

    private mutating func addImport(_ entry: IonValue) throws(SymbolTableError) {
        guard case .struct(let fields) = entry.content else { return }
        var name: String?
        var maxID: IonValue?
        for field in fields {
            if field.name.text == "name", case .string(let s) = field.value.content { name = s }
            if field.name.text == "max_id" { maxID = field.value }
        }
        guard let name, !name.isEmpty, name != "$ion" else { return }
        // No catalog: the import's ids are reserved with unknown text, which
        // needs an explicit max_id.
        guard let maxID, case .int(let n) = maxID.content, case .small(let count) = n, count >= 0 else {
            throw SymbolTableError("import of shared symbol table '\(name)' has no valid max_id and no catalog to look it up")
        }
        guard count <= Int64(Int32.max), importedCount <= Int(Int32.max) else {
            throw SymbolTableError("import of shared symbol table '\(name)' declares max_id \(count), over the limit")
        }
        importedCount += Int(count)
    }
}

public struct SymbolTableError: Error, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
