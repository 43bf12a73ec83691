/// Writes Ion Hash serializations, reusing one set of scratch buffers per
/// struct nesting level so that hashing a document allocates little.
struct IonHashSerializer<Function: IonHashFunction> {
    let function: Function
    /// Per struct depth: the field being serialized, the field digests laid
    /// end to end, and each digest's range in that buffer.
    private var fieldBuffers: [[UInt8]] = []
    private var digestBuffers: [[UInt8]] = []
    private var spanBuffers: [[Range<Int>]] = []

    init(function: Function) {
        self.function = function
    }

    mutating func serialize(_ value: IonValue, into out: inout [UInt8], depth: Int) {
        if value.annotations.isEmpty {
            serializeContent(value.content, into: &out, depth: depth)
            return
        }
        out.append(0x0B)
        out.append(0xE0)
        for annotation in value.annotations {
            serializeSymbol(annotation, into: &out)
        }
        serializeContent(value.content, into: &out, depth: depth)
        out.append(0x0E)
    }

    private func serializeSymbol(_ symbol: IonSymbol, into out: inout [UInt8]) {
        guard var text = symbol.text else {
            out.append(contentsOf: [0x0B, 0x71, 0x0E])
            return
        }
        out.append(0x0B)
        out.append(0x70)
        text.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
        out.append(0x0E)
    }

    private mutating func serializeContent(_ content: IonContent, into out: inout [UInt8], depth: Int) {
        switch content {
        case .null(let type):
            out.append(contentsOf: [0x0B, type == .null ? 0x0F : type.rawValue << 4 | 0x0F, 0x0E])
        case .bool(let b):
            out.append(contentsOf: [0x0B, b ? 0x11 : 0x10, 0x0E])
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
        case .string(var s):
            out.append(0x0B)
            out.append(0x80)
            s.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), to: &out) }
            out.append(0x0E)
        case .clob(let bytes), .blob(let bytes):
            out.append(0x0B)
            out.append(content.type == .clob ? 0x90 : 0xA0)
            bytes.withUnsafeBytes { appendEscaped($0, to: &out) }
            out.append(0x0E)
        case .list(let items), .sexp(let items):
            out.append(0x0B)
            out.append(content.type == .list ? 0xB0 : 0xC0)
            for i in items.indices { serialize(items[i], into: &out, depth: depth) }
            out.append(0x0E)
        case .struct(let fields):
            out.append(0x0B)
            out.append(0xD0)
            serializeFields(fields, into: &out, depth: depth)
            out.append(0x0E)
        }
    }

    /// Each field is digested on its own (`H(name ‖ value)`); the digests are
    /// sorted as unsigned byte strings and escaped into the struct's bytes.
    private mutating func serializeFields(_ fields: [IonField], into out: inout [UInt8], depth: Int) {
        while fieldBuffers.count <= depth {
            fieldBuffers.append([])
            digestBuffers.append([])
            spanBuffers.append([])
        }
        var field = fieldBuffers[depth]
        var digests = digestBuffers[depth]
        var spans = spanBuffers[depth]
        fieldBuffers[depth] = []
        digestBuffers[depth] = []
        spanBuffers[depth] = []
        digests.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)

        for i in fields.indices {  // by index: no copy (retain/release) of each field
            field.removeAll(keepingCapacity: true)
            serializeSymbol(fields[i].name, into: &field)
            serialize(fields[i].value, into: &field, depth: depth + 1)
            let start = digests.count
            field.withUnsafeBytes { function.appendDigest(of: $0, to: &digests) }
            spans.append(start..<digests.count)
        }
        digests.withUnsafeBytes { all in
            spans.sort { a, b in
                UnsafeRawBufferPointer(rebasing: all[a]).lexicographicallyPrecedes(UnsafeRawBufferPointer(rebasing: all[b]))
            }
            for span in spans { appendEscaped(UnsafeRawBufferPointer(rebasing: all[span]), to: &out) }
        }

        fieldBuffers[depth] = field
        digestBuffers[depth] = digests
        spanBuffers[depth] = spans
    }

    /// `0x0B TQ escape(repr) 0x0E`, with the repr written in place and
    /// escaped afterwards only if it holds a marker byte.
    private func scalar(_ tq: UInt8, into out: inout [UInt8], body: (inout [UInt8]) -> Void) {
        out.append(0x0B)
        out.append(tq)
        let start = out.count
        body(&out)
        if out[start...].contains(where: HashRepresentation.needsEscape) {
            let repr = Array(out[start...])
            out.removeSubrange(start...)
            repr.withUnsafeBytes { appendEscaped($0, to: &out) }
        }
        out.append(0x0E)
    }

    private func appendEscaped(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard bytes.contains(where: HashRepresentation.needsEscape) else {
            out.append(contentsOf: bytes)
            return
        }
        out.reserveCapacity(out.count + bytes.count + 8)
        for b in bytes {
            if HashRepresentation.needsEscape(b) { out.append(0x0C) }
            out.append(b)
        }
    }
}
