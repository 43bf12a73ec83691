/// Symbol text a writer of one kind of record uses in every record: each
/// gets a fixed local symbol id, so the writer names its fields by id with
/// no lookup, and the table's list of them is encoded once.
public struct IonSymbolPreset: Sendable {
    public let texts: [String]
    /// The texts' string values, encoded back to front.
    let reversedElements: [UInt8]
    let ids: [String: Int]

    public init(_ texts: [String]) {
        precondition(Set(texts).count == texts.count, "a preset text twice")
        precondition(texts.allSatisfy { SymbolInterner.systemID($0) == nil }, "a system symbol in a preset")
        self.texts = texts
        var encoder = BinaryEncoder(symbols: SymbolInterner())
        for text in texts.reversed() { encoder.write(.string(text)) }
        reversedElements = encoder.reversedBytes
        ids = Dictionary(uniqueKeysWithValues: texts.enumerated().map { ($1, SymbolTable.systemSymbols.count + 1 + $0) })
    }

    /// The local symbol id of `text`, which must be one of `texts`.
    public func id(_ text: String) -> Int {
        guard let id = ids[text] else { preconditionFailure("\(text) is not in the preset") }
        return id
    }
}

/// Builds one Ion binary stream without building its value first, for
/// records whose shape the caller knows. It writes BACK TO FRONT, like the
/// encoder under it: a container's contents first, last one first, then the
/// container (`closeStruct(since:)` / `closeList(since:)` with the
/// `position` taken before its contents); in a struct, each field's value
/// and then its name. Symbol ids are assigned as the builder meets them:
/// the preset's first (a preset text met in a value keeps its preset id),
/// then any other text in order of (backwards) first use; `finish()` puts
/// the local symbol table and the version marker in front.
public struct IonBinaryBuilder {
    private var encoder: BinaryEncoder
    private let preset: IonSymbolPreset

    public init(preset: IonSymbolPreset) {
        self.preset = preset
        encoder = BinaryEncoder(symbols: SymbolInterner(firstID: SymbolTable.systemSymbols.count + 1 + preset.texts.count,
                                                        presetIDs: preset.ids))
    }

    /// How much has been written: the mark a container's `close…(since:)` takes.
    public var position: Int { encoder.count }

    public mutating func write(_ value: borrowing IonValue) { encoder.write(value) }

    /// A field name by its preset id (`IonSymbolPreset.id`).
    public mutating func writeFieldName(id: Int) {
        assert(id > SymbolTable.systemSymbols.count && id <= SymbolTable.systemSymbols.count + preset.texts.count)
        encoder.writeFieldName(id: id)
    }

    /// A field name that is not in the preset.
    public mutating func writeFieldName(_ text: String) {
        encoder.writeFieldName(id: encoder.symbols.id(for: text))
    }

    public mutating func closeStruct(since mark: Int) { encoder.closeStruct(since: mark) }

    public mutating func closeList(since mark: Int) { encoder.closeList(since: mark) }

    /// Annotates the one value written since `mark`.
    public mutating func annotate(since mark: Int, with text: String) {
        encoder.annotate(since: mark, id: encoder.symbols.id(for: text))
    }

    /// The stream in reading order: version marker, the local symbol table
    /// (the preset's texts, then the others), the values.
    public consuming func finish() -> [UInt8] {
        encoder.finishStream(preset: preset)
        return encoder.finish()
    }
}
