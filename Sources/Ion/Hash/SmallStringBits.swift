/// The UTF-8 bytes of a small string, read where the string lies.
///
/// A string of fifteen UTF-8 bytes or fewer keeps them in the `String` value
/// itself, on 64-bit platforms: the first eight in its first word, the rest in
/// its second, whose top byte holds flags and the count (the standard
/// library's `_StringObject`). Field names and most short values are such
/// strings, and reading their bytes through `String.utf8` copies them to the
/// stack first: about a tenth of hashing a document went on field names alone.
/// `layoutHolds` checks the layout once on strings of known content; where it
/// does not hold, hashing reads every string through `String.utf8`.
struct SmallStringBits {
    let low: UInt64
    let high: UInt64

    var count: Int { Int(truncatingIfNeeded: high >> 56 & 0x0F) }

    /// The bits of the `String` (or `String?`) at `pointer`, when they hold a small string.
    @inline(__always)
    static func at(_ pointer: UnsafeRawPointer) -> SmallStringBits? {
        let high = pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        guard high >> 60 & 0xB == 0xA else { return nil }   // immortal and small, ASCII or not
        return SmallStringBits(low: pointer.loadUnaligned(as: UInt64.self), high: high)
    }

    var bytes: [UInt8] {
        (0..<count).map { i in UInt8(truncatingIfNeeded: (i < 8 ? low >> (8 * i) : high >> (8 * (i - 8)))) }
    }

    /// Whether small strings lie as `at` reads them, in `String`, `String?`
    /// and the payloads the serializer reads them from.
    static let layoutHolds: Bool = {
        #if _endian(little) && _pointerBitWidth(_64)
        let texts = ["", "a", "Name", "PersonId", "abcdefgh", "abcdefghi", "fifteen bytes!!", "é", "sixteen bytes!!!",
                     String(repeating: "x", count: 40), String(decoding: Array("Registered".utf8), as: UTF8.self)]
        for text in texts {
            let expected = Array(text.utf8)
            let read: [SmallStringBits?] = [
                withUnsafeBytes(of: text) { at($0.baseAddress!) },
                withUnsafeBytes(of: Optional(text)) { at($0.baseAddress!) },
                withUnsafeBytes(of: IonContent.string(text)) { at($0.baseAddress!) },
                withUnsafeBytes(of: IonSymbol(text)) { at($0.baseAddress! + textOffset) },
                withUnsafeBytes(of: IonContent.symbol(IonSymbol(text))) { at($0.baseAddress! + textOffset) },
            ]
            for bits in read {
                if expected.count <= 15 {
                    guard let bits, bits.count == expected.count, bits.bytes == expected else { return false }
                } else if bits != nil {
                    return false
                }
            }
        }
        let none: String? = nil
        return withUnsafeBytes(of: none) { at($0.baseAddress!) } == nil
            && withUnsafeBytes(of: IonSymbol(unknownSID: 0)) { at($0.baseAddress! + textOffset) } == nil
        #else
        return false
        #endif
    }()

    /// Where an `IonSymbol`'s text lies in it.
    static let textOffset = MemoryLayout<IonSymbol>.offset(of: \IonSymbol.text)!
}
