/// Writes Ion Hash serializations into one growing buffer used as a stack.
///
/// A struct's fields are each serialized at the end of the output, digested
/// there, and cut off again; their digests wait on a second stack until the
/// last field is done, then go into the output sorted. Nested structs push onto
/// the same two stacks, so hashing a document allocates nothing per field and
/// nothing per nesting level.
struct IonHashSerializer<Function: IonHashFunction> {
    let function: Function
    /// Field digests of every struct being serialized, end to end.
    private var digests: [UInt8] = []
    /// Each waiting digest's range in `digests`.
    private var spans: [Range<Int>] = []

    init(function: Function) {
        self.function = function
        digests.reserveCapacity(32 * 8)
        spans.reserveCapacity(8)
    }

    mutating func serialize(_ value: IonValue, into out: inout [UInt8]) {
        if value.annotations.isEmpty {
            serializeContent(value.content, into: &out)
            return
        }
        out.append(0x0B)
        out.append(0xE0)
        for i in value.annotations.indices { serializeSymbol(value.annotations[i], into: &out) }
        serializeContent(value.content, into: &out)
        out.append(0x0E)
    }

    private func serializeSymbol(_ symbol: IonSymbol, into out: inout [UInt8]) {
        guard let text = symbol.text else {
            out.append(0x0B)
            out.append(0x71)
            out.append(0x0E)
            return
        }
        out.append(0x0B)
        out.append(0x70)
        appendEscaped(text, to: &out)
        out.append(0x0E)
    }

    private mutating func serializeContent(_ content: IonContent, into out: inout [UInt8]) {
        switch content {
        case .null(let type):
            out.append(0x0B)
            out.append(type == .null ? 0x0F : type.rawValue << 4 | 0x0F)
            out.append(0x0E)
        case .bool(let b):
            out.append(0x0B)
            out.append(b ? 0x11 : 0x10)
            out.append(0x0E)
        case .int(let i):
            scalar(i.isNegative ? 0x30 : 0x20, into: &out) { out in
                if case .small(let v) = i {
                    HashRepresentation.appendMagnitude(v.magnitude, to: &out)
                } else {
                    out.append(contentsOf: i.magnitudeBytes)
                }
            }
        case .float(let d):
            scalar(0x40, into: &out) { HashRepresentation.float(d, to: &$0) }
        case .decimal(let d):
            scalar(0x50, into: &out) { HashRepresentation.decimal(d, to: &$0) }
        case .timestamp(let t):
            scalar(0x60, into: &out) { HashRepresentation.timestamp(t, to: &$0) }
        case .symbol(let s):
            serializeSymbol(s, into: &out)
        case .string(let s):
            out.append(0x0B)
            out.append(0x80)
            appendEscaped(s, to: &out)
            out.append(0x0E)
        case .clob(let bytes), .blob(let bytes):
            out.append(0x0B)
            out.append(content.type == .clob ? 0x90 : 0xA0)
            bytes.withUnsafeBytes { appendEscaped($0, to: &out) }
            out.append(0x0E)
        case .list(let items), .sexp(let items):
            out.append(0x0B)
            out.append(content.type == .list ? 0xB0 : 0xC0)
            for i in items.indices { serialize(items[i], into: &out) }
            out.append(0x0E)
        case .struct(let fields):
            out.append(0x0B)
            out.append(0xD0)
            serializeFields(fields, into: &out)
            out.append(0x0E)
        }
    }

    /// Each field is digested on its own (`H(name ‖ value)`); the digests are
    /// sorted as unsigned byte strings and escaped into the struct's bytes.
    private mutating func serializeFields(_ fields: [IonField], into out: inout [UInt8]) {
        let firstSpan = spans.count, firstDigest = digests.count
        for i in fields.indices {
            let mark = out.count
            serializeSymbol(fields[i].name, into: &out)
            serialize(fields[i].value, into: &out)
            let start = digests.count
            out.withUnsafeBytes { function.appendDigest(of: UnsafeRawBufferPointer(rebasing: $0[mark...]), to: &digests) }
            spans.append(start..<digests.count)
            out.removeSubrange(mark...)
        }
        digests.withUnsafeBytes { all in
            spans[firstSpan...].sort { Self.precedes(UnsafeRawBufferPointer(rebasing: all[$0]), UnsafeRawBufferPointer(rebasing: all[$1])) }
            for i in firstSpan..<spans.count { appendEscaped(UnsafeRawBufferPointer(rebasing: all[spans[i]]), to: &out) }
        }
        spans.removeSubrange(firstSpan...)
        digests.removeSubrange(firstDigest...)
    }

    /// Unsigned lexicographic order, eight bytes at a time (digests are 32 bytes).
    private static func precedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let common = min(a.count, b.count)
        var i = 0
        while i + 8 <= common {
            let x = UInt64(bigEndian: a.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let y = UInt64(bigEndian: b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if x != y { return x < y }
            i += 8
        }
        while i < common {
            if a[i] != b[i] { return a[i] < b[i] }
            i += 1
        }
        return a.count < b.count
    }

    /// `0x0B TQ escape(repr) 0x0E`, with the repr written in place and
    /// escaped afterwards only if it holds a marker byte.
    private func scalar(_ tq: UInt8, into out: inout [UInt8], body: (inout [UInt8]) -> Void) {
        out.append(0x0B)
        out.append(tq)
        let start = out.count
        body(&out)
        if out.withUnsafeBytes({ HashRepresentation.containsMarker(UnsafeRawBufferPointer(rebasing: $0[start...])) }) {
            let repr = Array(out[start...])
            out.removeSubrange(start...)
            repr.withUnsafeBytes { appendEscaped($0, to: &out) }
        }
        out.append(0x0E)
    }

    private func appendEscaped(_ text: String, to out: inout [UInt8]) {
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped(UnsafeRawBufferPointer($0), to: &out) }) == nil {
            Array(text.utf8).withUnsafeBytes { appendEscaped($0, to: &out) }
        }
    }

    private func appendEscaped(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard HashRepresentation.containsMarker(bytes) else {
            out.append(contentsOf: bytes)
            return
        }
        // Escaped on the stack, appended once: no per-byte append.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * bytes.count) { escaped in
            var n = 0
            for b in bytes {
                if HashRepresentation.needsEscape(b) {
                    escaped[n] = 0x0C
                    n += 1
                }
                escaped[n] = b
                n += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: escaped[..<n]))
        }
    }
}
