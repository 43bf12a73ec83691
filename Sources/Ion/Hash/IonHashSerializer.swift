/// Writes Ion Hash serializations into one growing buffer used as a stack.
///
/// A struct's fields are each serialized at the end of the output, digested
/// there, and cut off again; their digests wait on a second stack until the
/// last field is done, then go into the output sorted. Nested structs push onto
/// the same two stacks, so hashing a document allocates nothing per field and
/// nothing per nesting level.
struct IonHashSerializer<Function: IonHashFunction> {
    let function: Function
    /// The serialization being written (`s(value)`).
    let out = ByteStack(capacity: 256)  // within glibc's per-thread cache of small chunks; grows for larger values
    /// Field digests of every struct being serialized, end to end.
    private let digests = ByteStack(capacity: 32 * 8)
    /// Each waiting digest's range in `digests`.
    private var spans: [Range<Int>] = []

    init(function: Function) {
        self.function = function
        spans.reserveCapacity(8)
    }

    mutating func serialize(_ value: IonValue) {
        if value.annotations.isEmpty {
            serializeContent(value.content)
            return
        }
        out.append(0x0B, 0xE0)
        for i in value.annotations.indices { serializeSymbol(value.annotations[i]) }
        serializeContent(value.content)
        out.append(0x0E)
    }

    func serializeSymbol(_ symbol: IonSymbol) {
        guard let text = symbol.text else {
            out.append(0x0B, 0x71)
            out.append(0x0E)
            return
        }
        out.append(0x0B, 0x70)
        appendEscaped(text)
        out.append(0x0E)
    }

    mutating func serializeContent(_ content: IonContent) {
        switch content {
        case .null(let type):
            out.append(0x0B, type == .null ? 0x0F : type.rawValue << 4 | 0x0F)
            out.append(0x0E)
        case .bool(let b):
            out.append(0x0B, b ? 0x11 : 0x10)
            out.append(0x0E)
        case .int(let i):
            scalar(i.isNegative ? 0x30 : 0x20) { out in
                if case .small(let v) = i {
                    HashRepresentation.appendMagnitude(v.magnitude, to: &out)
                } else {
                    i.magnitudeBytes.withUnsafeBytes { out.appendBytes($0) }
                }
            }
        case .float(let d):
            scalar(0x40) { HashRepresentation.float(d, to: &$0) }
        case .decimal(let d):
            scalar(0x50) { HashRepresentation.decimal(d, to: &$0) }
        case .timestamp(let t):
            scalar(0x60) { HashRepresentation.timestamp(t, to: &$0) }
        case .symbol(let s):
            serializeSymbol(s)
        case .string(let s):
            out.append(0x0B, 0x80)
            appendEscaped(s)
            out.append(0x0E)
        case .clob(let bytes), .blob(let bytes):
            out.append(0x0B, content.type == .clob ? 0x90 : 0xA0)
            bytes.withUnsafeBytes { appendEscaped($0) }
            out.append(0x0E)
        case .list(let items), .sexp(let items):
            out.append(0x0B, content.type == .list ? 0xB0 : 0xC0)
            for i in items.indices { serialize(items[i]) }
            out.append(0x0E)
        case .struct(let fields):
            out.append(0x0B, 0xD0)
            serializeFields(fields)
            out.append(0x0E)
        }
    }

    /// Each field is digested on its own (`H(name ‖ value)`); the digests are
    /// sorted as unsigned byte strings and escaped into the struct's bytes.
    private mutating func serializeFields(_ fields: [IonField]) {
        let first = beginFields()
        for i in fields.indices {
            let mark = out.count
            serializeSymbol(fields[i].name)
            serialize(fields[i].value)
            endField(from: mark)
        }
        endFields(first)
    }

    /// Where one struct's field digests start on the two stacks.
    struct FieldsMark {
        fileprivate let span: Int
        fileprivate let digest: Int
    }

    func beginFields() -> FieldsMark { FieldsMark(span: spans.count, digest: digests.count) }

    /// Digests the field serialized into `out` from `mark` on (its name, then
    /// its value), keeps the digest for `endFields` and cuts the field off `out`.
    mutating func endField(from mark: Int) {
        let start = digests.count
        appendDigest(of: out.bytes(from: mark))
        spans.append(start..<digests.count)
        out.truncate(to: mark)
    }

    /// The digests of the fields since `mark`, sorted and escaped into `out`.
    mutating func endFields(_ mark: FieldsMark) {
        let all = digests.bytes()
        // Sorted in place: sorting the slice `spans[mark.span...]` copied it first.
        spans.withUnsafeMutableBufferPointer { spans in
            var waiting = UnsafeMutableBufferPointer(rebasing: spans[mark.span...])
            waiting.sort {
                Self.precedes(UnsafeRawBufferPointer(rebasing: all[$0]), UnsafeRawBufferPointer(rebasing: all[$1]))
            }
        }
        for i in mark.span..<spans.count { appendEscaped(UnsafeRawBufferPointer(rebasing: all[spans[i]])) }
        spans.removeLast(spans.count - mark.span)
        digests.truncate(to: mark.digest)
    }

    /// The digest of `bytes` (in `out`) onto the digest stack.
    private func appendDigest(of bytes: UnsafeRawBufferPointer) {
        if let length = function.digestLength {
            digests.appendUninitialized(upTo: length) { at in
                function.writeDigest(of: bytes, to: at)
                return length
            }
        } else {
            var digest: [UInt8] = []
            function.appendDigest(of: bytes, to: &digest)
            digest.withUnsafeBytes { digests.appendBytes($0) }
        }
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
    func scalar(_ tq: UInt8, body: (inout ByteStack) -> Void) {
        out.append(0x0B, tq)
        let start = out.count
        var buffer = out
        body(&buffer)
        if HashRepresentation.containsMarker(out.bytes(from: start)) {
            let repr = Array(out.bytes(from: start))
            out.truncate(to: start)
            repr.withUnsafeBytes { appendEscaped($0) }
        }
        out.append(0x0E)
    }

    private func appendEscaped(_ text: String) {
        var text = text
        text.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0)) }
    }

    /// `0x0B TQ escape(bytes) 0x0E`: a scalar whose representation is `bytes` as they are.
    func scalar(_ tq: UInt8, bytes: UnsafeRawBufferPointer) {
        out.append(0x0B, tq)
        appendEscaped(bytes)
        out.append(0x0E)
    }

    func appendEscaped(_ bytes: UnsafeRawBufferPointer) {
        guard HashRepresentation.containsMarker(bytes) else {
            out.appendBytes(bytes)
            return
        }
        out.appendUninitialized(upTo: 2 * bytes.count) { escaped in
            var n = 0, i = 0
            // Words without a marker are copied whole (a digest holds one in a third of cases, and then once).
            while i < bytes.count {
                if i + 8 <= bytes.count {
                    let word = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if !HashRepresentation.hasMarker(word) {
                        UnsafeMutableRawPointer(escaped + n).storeBytes(of: word, as: UInt64.self)
                        n += 8
                        i += 8
                        continue
                    }
                }
                if HashRepresentation.needsEscape(bytes[i]) {
                    escaped[n] = 0x0C
                    n += 1
                }
                escaped[n] = bytes[i]
                n += 1
                i += 1
            }
            return n
        }
    }
}

