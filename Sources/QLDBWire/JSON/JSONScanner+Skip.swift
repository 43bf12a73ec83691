/// The members and items of scanned containers, by position in the bytes, in
/// document order (as simdjson's tape, without the values).
struct JSONTape {
    struct Entry {
        /// An object member's name when it is plain ASCII without escapes; nil
        /// otherwise, and for an array's items.
        var name: Range<Int>?
        /// The value's bytes, from its first character to just past its last.
        var value: Range<Int>
        /// The entry of the container holding this one; -1 for the outermost.
        var parent: Int
        /// The value is a string of ASCII without escapes: its text is the bytes between the quotes.
        var plain = false
    }

    var entries: [Entry] = []
    /// False when some recorded member name was not plain ASCII.
    var plainNames = true
}

/// Checking without building: each function accepts exactly what its building
/// counterpart in `JSONScanner` accepts and throws where it throws.
extension JSONScanner {
    /// Steps over one value, checked as `value(depth:)` checks it.
    mutating func skipValue(depth: Int) throws {
        guard depth <= maxDepth else { throw fail("nested too deeply") }
        guard i < bytes.count else { throw fail("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var none = JSONTape()
            try record(into: &none, parent: -1, depth: depth, recordDepth: -1)
        case UInt8(ascii: "\""): _ = try skipString()
        case UInt8(ascii: "t"): _ = try literal("true", .null)
        case UInt8(ascii: "f"): _ = try literal("false", .null)
        case UInt8(ascii: "n"): _ = try literal("null", .null)
        default: try skipNumber()
        }
    }

    /// Steps over the object or array at the cursor (checked as `skipValue`
    /// checks it at `depth`), recording its members or items in `tape` under
    /// `parent`, and theirs while their depth is at most `recordDepth`.
    mutating func record(into tape: inout JSONTape, parent: Int, depth: Int, recordDepth: Int) throws {
        guard depth <= maxDepth else { throw fail("nested too deeply") }
        let isObject = bytes[i] == UInt8(ascii: "{")
        let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
        i += 1
        skipSpace()
        if i < bytes.count, bytes[i] == close { i += 1; return }
        while true {
            skipSpace()
            var name: Range<Int>?
            if isObject {
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                name = try skipString()
                if name == nil { tape.plainNames = false }
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                i += 1
                skipSpace()
            }
            if depth <= recordDepth {
                let start = i
                let entry = tape.entries.count
                tape.entries.append(JSONTape.Entry(name: name, value: start..<start, parent: parent))
                if depth < recordDepth, i < bytes.count, bytes[i] == UInt8(ascii: "{") || bytes[i] == UInt8(ascii: "[") {
                    try record(into: &tape, parent: entry, depth: depth + 1, recordDepth: recordDepth)
                } else if i < bytes.count, bytes[i] == UInt8(ascii: "\""), depth + 1 <= maxDepth {
                    tape.entries[entry].plain = try skipString() != nil
                } else {
                    try skipValue(depth: depth + 1)
                }
                tape.entries[entry].value = start..<i
            } else {
                try skipValue(depth: depth + 1)
            }
            skipSpace()
            guard i < bytes.count else { throw fail("unexpected end") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == close { i += 1; return }
            throw fail(isObject ? "expected ',' or '}'" : "expected ',' or ']'")
        }
    }

    /// Steps over the string at the cursor, checked as `string()` checks it.
    /// Returns its content's bytes when they are ASCII without escapes.
    mutating func skipString() throws -> Range<Int>? {
        let start = i + 1
        let (end, high) = bytes.withUnsafeBufferPointer { buffer -> (Int, UInt8) in
            var end = start
            var high: UInt8 = 0   // every byte OR-ed: below 0x80 means ASCII
            // Eight bytes at a time while none is a quote, a backslash, a control byte or above 0x7F
            // (a session token, base64: most of a request's string bytes).
            if let base = buffer.baseAddress {
                while end + 8 <= buffer.count {
                    let w = UnsafeRawPointer(base + end).loadUnaligned(as: UInt64.self)
                    guard !Self.needsAttention(w) else { break }
                    end += 8
                }
            }
            while end < buffer.count {
                let c = buffer[end]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                high |= c
                end += 1
            }
            return (end, high)
        }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\""), high < 0x80 {
            i = end + 1
            return start..<end
        }
        _ = try string()   // escapes or non-ASCII bytes: rare in a request, checked the full way
        return nil
    }

    /// Whether any byte of `w` is `"`, `\\`, below 0x20 or above 0x7F (exact when false).
    @inline(__always)
    static func needsAttention(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let quote = hasZero(w ^ (ones &* 0x22)), backslash = hasZero(w ^ (ones &* 0x5C))
        let control = (w &- ones &* 0x20) & ~w & highs
        return (quote | backslash | control | (w & highs)) != 0
    }
}
