/// Writes values as a complete Ion 1.0 binary stream.
public enum IonBinaryWriter {
    /// The version marker, then — when the values use symbol text beyond the
    /// system table — one local symbol table `$ion_symbol_table::{symbols:[…]}`
    /// listing that text once each, in the order the encoder met it (it
    /// writes back to front, so: order of first use reading from the end),
    /// then the values. Symbols whose text is unknown are written as symbol id 0.
    public static func write(_ values: [IonValue]) -> [UInt8] {
        var encoder = BinaryEncoder(symbols: SymbolInterner())
        for value in values.reversed() {
            encoder.write(value)
        }
        encoder.finishStream()
        return encoder.finish()
    }
}

/// Assigns symbol ids as text is first met: system symbols and a preset's
/// texts keep theirs; other text gets local ids from `firstID` in the order
/// it is met. Symbols whose text is unknown are id 0.
struct SymbolInterner {
    let firstID: Int
    /// Texts that already have ids (a preset's), so they are not listed twice.
    private let presetIDs: [String: Int]
    private var localIDs: [String: Int] = [:]
    private(set) var texts: [String] = []
    /// Past `linearLimit` texts: the index in `texts` last found for a text's
    /// `recentSlot` (-1 for none), tried before `localIDs`. Field names repeat
    /// from value to value, and this skips their hashing; a miss (another text
    /// in the slot) only falls through to the dictionary.
    private var recent: [Int32] = []

    init(firstID: Int = SymbolTable.systemSymbols.count + 1, presetIDs: [String: Int] = [:]) {
        self.firstID = firstID
        self.presetIDs = presetIDs
    }

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

    /// A text's place in `recent`: its length and its first and last bytes.
    @inline(__always)
    private static func recentSlot(_ text: String) -> Int {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            guard let first = bytes.first else { return 0 }
            return (Int(first) &* 31 &+ Int(bytes[bytes.count - 1]) &* 7 &+ bytes.count) & 255
        } ?? 0
    }

    mutating func id(for text: String) -> Int {
        // `texts` never holds a system symbol's text or a preset's (both are
        // looked for before a text is added), so a text found there is exact.
        var slot = 0
        if texts.count <= Self.linearLimit {
            for i in texts.indices where texts[i] == text { return firstID + i }
        } else {
            slot = Self.recentSlot(text)
            let index = Int(recent[slot])
            if index >= 0, texts[index] == text { return firstID + index }
        }
        if let id = Self.systemID(text) { return id }
        if texts.count > Self.linearLimit, let id = localIDs[text] {
            recent[slot] = Int32(id - firstID)
            return id
        }
        if !presetIDs.isEmpty, let id = presetIDs[text] { return id }
        let id = firstID + texts.count
        if texts.isEmpty { texts.reserveCapacity(8) }   // one allocation for a typical value's names
        texts.append(text)
        if texts.count > Self.linearLimit {
            if localIDs.isEmpty {
                localIDs.reserveCapacity(4 * Self.linearLimit)
                for (i, t) in texts.enumerated() { localIDs[t] = firstID + i }
                recent = [Int32](repeating: -1, count: 256)
            } else {
                localIDs[text] = id
            }
            recent[Self.recentSlot(text)] = Int32(texts.count - 1)
        }
        return id
    }
}
