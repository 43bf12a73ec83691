/// A string's UTF-8 bytes read where the `String` lies: no copy, no retain.
///
/// On 64-bit platforms a `String` is two words (the standard library's
/// `_StringObject`). A small string, fifteen UTF-8 bytes or fewer, holds them
/// itself: the first eight in its first word, the rest in its second, whose
/// top byte holds flags and the count. A native or literal string holds its
/// count and flags in its first word, and in its second the address of its
/// storage, whose bytes start 32 bytes past that address.
///
/// Hashing a document reads every field name and string. Through
/// `String.utf8` a small string's bytes were copied to the stack first, and
/// a large one was retained and released: together about a fifth of hashing
/// a document. `layoutHolds` checks the layout once on strings of known
/// content, made several ways; where it does not hold (or a string is of
/// another kind: bridged, foreign, shared), hashing reads it through `String.utf8`.
enum StringInPlace {
    /// Up to fifteen bytes held in two words, the first byte lowest.
    case small(low: UInt64, high: UInt64, count: Int)
    /// Bytes in the string's storage, alive while the string is.
    case large(UnsafeRawBufferPointer)

    /// The bytes of the `String` (or `String?`) at `pointer`, when they can be read in place.
    @inline(__always)
    static func at(_ pointer: UnsafeRawPointer) -> StringInPlace? {
        let countAndFlags = pointer.loadUnaligned(as: UInt64.self)
        let object = pointer.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        if object >> 60 & 0xB == 0xA {   // immortal and small, ASCII or not
            return .small(low: countAndFlags, high: object, count: Int(truncatingIfNeeded: object >> 56 & 0x0F))
        }
        // Large, native or immortal (neither bridged, small nor foreign), its bytes tail-allocated.
        let address = object & 0x0FFF_FFFF_FFFF_FFFF
        guard object >> 60 & 0x7 == 0, countAndFlags & 0x1000_0000_0000_0000 != 0, address >= 4096,
              let start = UnsafeRawPointer(bitPattern: UInt(address) + 32) else { return nil }
        return .large(UnsafeRawBufferPointer(start: start, count: Int(truncatingIfNeeded: countAndFlags & 0xFFFF_FFFF_FFFF)))
    }

    /// The bytes, for checks and tests.
    var bytes: [UInt8] {
        switch self {
        case .small(let low, let high, let count):
            return (0..<count).map { i in UInt8(truncatingIfNeeded: i < 8 ? low >> (8 * i) : high >> (8 * (i - 8))) }
        case .large(let bytes):
            return Array(bytes)
        }
    }

    /// Whether strings lie as `at` reads them, in `String`, `String?` and
    /// the payloads the serializer reads them from (a value's content, a
    /// symbol's text). Checked once, on strings made the ways a decoder, a
    /// literal and a program make them.
    static let layoutHolds: Bool = {
        #if _endian(little) && _pointerBitWidth(_64)
        let long = String(repeating: "x", count: 40)
        var texts = ["", "a", "Name", "PersonId", "abcdefgh", "abcdefghi", "fifteen bytes!!", "é", "sixteen bytes!!!",
                     "a literal long enough to be stored apart", long, long + "é", String(long.dropFirst(3)),
                     "\(long.count) interpolated into a longer string", ["joined", long].joined(separator: " ")]
        texts += texts.map { String(decoding: Array($0.utf8), as: UTF8.self) }
        for text in texts {
            let expected = Array(text.utf8)
            let read: [StringInPlace?] = [
                withUnsafeBytes(of: text) { at($0.baseAddress!) },
                withUnsafeBytes(of: Optional(text)) { at($0.baseAddress!) },
                withUnsafeBytes(of: IonContent.string(text)) { at($0.baseAddress!) },
                withUnsafeBytes(of: IonSymbol(text)) { at($0.baseAddress! + textOffset) },
                withUnsafeBytes(of: IonContent.symbol(IonSymbol(text))) { at($0.baseAddress! + textOffset) },
            ]
            for found in read {
                guard let found, found.bytes == expected else { return false }
                if case .small = found, expected.count > 15 { return false }
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
