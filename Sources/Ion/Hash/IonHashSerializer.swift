import CIonHash

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
    /// Where each waiting digest starts in `digests` (it ends where the next starts).
    private let starts = IntStack(capacity: 8)

    init(function: Function) {
        self.function = function
    }

    func serialize(_ value: IonValue) {
        withUnsafePointer(to: value) { serialize(at: $0) }
    }

    /// Values are read where they lie (in their list or struct), not copied
    /// out first: a copy of a field retains its name, annotations and content.
    private func serialize(at value: UnsafePointer<IonValue>) {
        if value.pointee.annotations.isEmpty {
            serializeContent(at: value)
            return
        }
        out.append(0x0B, 0xE0)
        for i in value.pointee.annotations.indices { serializeSymbol(value.pointee.annotations[i]) }
        serializeContent(at: value)
        out.append(0x0E)
    }

    private func serializeContent(at value: UnsafePointer<IonValue>) {
        switch value.pointee.content {
        case .list(let items), .sexp(let items):
            out.append(0x0B, value.pointee.content.type == .list ? 0xB0 : 0xC0)
            items.withUnsafeBufferPointer { items in
                guard let base = items.baseAddress else { return }
                for i in items.indices { serialize(at: base + i) }
            }
            out.append(0x0E)
        case .struct(let fields):
            out.append(0x0B, 0xD0)
            serializeFields(fields)
            out.append(0x0E)
        case .string(let text):
            out.append(0x0B, 0x80)
            appendEscaped(text)
            out.append(0x0E)
        case .symbol(let symbol):
            serializeSymbol(symbol)
        default:   // the other scalars, which hashing from binary writes too
            serializeContent(value.pointee.content)
        }
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

    func serializeContent(_ content: IonContent) {
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
        case .clob(let bytes), .blob(let bytes):
            out.append(0x0B, content.type == .clob ? 0x90 : 0xA0)
            bytes.withUnsafeBytes { appendEscaped($0) }
            out.append(0x0E)
        case .symbol, .string, .list, .sexp, .struct:
            // Written where values lie (`serializeContent(at:)`); neither tree nor binary
            // hashing brings these here, which only keeps each case written once.
            withUnsafePointer(to: IonValue(content)) { serializeContent(at: $0) }
        }
    }

    /// Each field is digested on its own (`H(name ‖ value)`); the digests are
    /// sorted as unsigned byte strings and escaped into the struct's bytes.
    private func serializeFields(_ fields: [IonField]) {
        let first = beginFields()
        fields.withUnsafeBufferPointer { fields in
            guard let base = UnsafeRawPointer(fields.baseAddress) else { return }
            let valueOffset = MemoryLayout<IonField>.offset(of: \IonField.value)!
            for i in fields.indices {
                let mark = out.count
                serializeSymbol(fields[i].name)
                serialize(at: (base + i * MemoryLayout<IonField>.stride + valueOffset).assumingMemoryBound(to: IonValue.self))
                endField(from: mark)
            }
        }
        endFields(first)
    }

    /// Where one struct's field digests start on the two stacks.
    struct FieldsMark {
        fileprivate let start: Int
        fileprivate let digest: Int
    }

    func beginFields() -> FieldsMark { FieldsMark(start: starts.count, digest: digests.count) }

    /// Digests the field serialized into `out` from `mark` on (its name, then
    /// its value), keeps the digest for `endFields` and cuts the field off `out`.
    func endField(from mark: Int) {
        starts.append(digests.count)
        appendDigest(of: out.bytes(from: mark))
        out.truncate(to: mark)
    }

    /// The digests of the fields since `mark`, sorted and escaped into `out`.
    ///
    /// Sorted by their first eight bytes as a big-endian key, whole only when
    /// two keys are equal: digests differ in their first bytes almost always.
    func endFields(_ mark: FieldsMark) {
        let n = starts.count - mark.start
        let all = digests.bytes()
        if n == 1 {
            appendEscaped(UnsafeRawBufferPointer(rebasing: all[starts[mark.start]...]))
        } else if n > 1 {
            withUnsafeTemporaryAllocation(of: SortEntry.self, capacity: n) { entries in
                for i in 0..<n {
                    let start = starts[mark.start + i]
                    let end = i + 1 < n ? starts[mark.start + i + 1] : all.count
                    entries.initializeElement(at: i, to: SortEntry(UnsafeRawBufferPointer(rebasing: all[start..<end])))
                }
                if n <= 16 {
                    SortEntry.insertionSort(entries)
                } else {
                    var sorting = entries   // the same memory
                    sorting.sort(by: SortEntry.precedes)
                }
                for entry in entries { appendEscaped(entry.bytes) }
                _ = entries.deinitialize()
            }
        }
        starts.truncate(to: mark.start)
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

    /// `0x0B TQ escape(repr) 0x0E`, with the repr written in place and
    /// escaped afterwards only if it holds a marker byte.
    func scalar(_ tq: UInt8, body: (inout ByteStack.Writer) -> Void) {
        out.append(0x0B, tq)
        let start = out.count
        var buffer = ByteStack.Writer(out)
        body(&buffer)
        if HashRepresentation.containsMarker(out.bytes(from: start)) {
            let repr = Array(out.bytes(from: start))
            out.truncate(to: start)
            repr.withUnsafeBytes { appendEscaped($0) }
        }
        out.append(0x0E)
    }

    private func appendEscaped(_ text: String) {
        // Native strings are contiguous UTF-8: read in place, not copied to be made so.
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped(UnsafeRawBufferPointer($0)) }) != nil { return }
        var text = text
        text.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0)) }
    }

    /// `0x0B TQ escape(bytes) 0x0E`: a scalar whose representation is `bytes` as they are.
    func scalar(_ tq: UInt8, bytes: UnsafeRawBufferPointer) {
        out.append(0x0B, tq)
        appendEscaped(bytes)
        out.append(0x0E)
    }

    /// Copied and escaped in one pass (`CIonHash`), into room for the worst case
    /// (twice the bytes; a document is bounded by `LedgerLimits.documentSize`, 128 KB by default).
    func appendEscaped(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        out.appendUninitialized(upTo: 2 * bytes.count) { tally_ion_hash_append_escaped(base, bytes.count, $0) }
    }
}

