/// Blobs `{{ base64 }}` and clobs `{{ "…" }}` / `{{ '''…''' … }}`.
/// Inside `{{ }}` only whitespace is allowed between tokens (no comments).
extension IonTextReader {
    /// The position is at `{{`.
    mutating func readLob() throws(IonError) -> IonContent {
        let open = pos
        pos += 2
        skipWhitespace()
        if peek() == UInt8(ascii: "\"") {
            var data: [UInt8] = []
            pos += 1
            try readQuotedText(.shortClob, into: &data)
            skipWhitespace()
            try expectLobClose(open)
            return .clob(data)
        }
        if matches("'''") {
            var data: [UInt8] = []
            while matches("'''") {
                pos += 3
                try readQuotedText(.longClob, into: &data)
                skipWhitespace()
            }
            try expectLobClose(open)
            return .clob(data)
        }
        return .blob(try readBase64(open))
    }

    private mutating func expectLobClose(_ open: Int) throws(IonError) {
        guard peek() == UInt8(ascii: "}"), peek(1) == UInt8(ascii: "}") else {
            throw fail(atEnd ? "unterminated clob" : "expected '}}' to end the clob, found \(describeCurrent())",
                       at: atEnd ? open : nil)
        }
        pos += 2
    }

    @inline(__always) private static func base64Value(_ b: UInt8) -> UInt32? {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(b - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(b - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(b - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// Base64 with optional whitespace between characters and strict padding,
    /// up to and including `}}`.
    private mutating func readBase64(_ open: Int) throws(IonError) -> [UInt8] {
        var out: [UInt8] = []
        var accumulator: UInt32 = 0
        var count = 0      // base64 characters (not padding) read
        var padding = 0
        while true {
            skipWhitespace()
            guard !atEnd else { throw fail("unterminated blob", at: open) }
            let b = peek()
            if b == UInt8(ascii: "}") {
                guard peek(1) == UInt8(ascii: "}") else { throw fail("expected '}}' to end the blob") }
                guard (count + padding) % 4 == 0 else {
                    throw fail("blob base64 length is not a multiple of 4")
                }
                let rest = count % 4
                guard (rest == 0 && padding == 0) || (rest == 2 && padding == 2) || (rest == 3 && padding == 1) else {
                    throw fail("blob base64 has wrong padding")
                }
                pos += 2
                return out
            }
            if b == UInt8(ascii: "=") {
                padding += 1
                guard padding <= 2, count % 4 >= 2 else { throw fail("misplaced '=' padding in blob") }
                pos += 1
                continue
            }
            guard padding == 0 else { throw fail("blob base64 continues after '=' padding") }
            guard let value = IonTextReader.base64Value(b) else {
                throw fail("invalid character \(describeCurrent()) in blob base64")
            }
            pos += 1
            accumulator = accumulator << 6 | value
            count += 1
            switch count % 4 {
            case 2: out.append(UInt8(truncatingIfNeeded: accumulator >> 4))
            case 3: out.append(UInt8(truncatingIfNeeded: accumulator >> 2))
            case 0: out.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
            default: break
            }
        }
    }
}
