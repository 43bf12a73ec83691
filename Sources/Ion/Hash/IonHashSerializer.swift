import CIonHash

/// Writes Ion Hash serializations into one growing buffer used as a stack.
///
/// A struct's fields are serialized one after another at the end of the
/// output. When the last is done they are digested together (the function may
/// hash two at once), cut off, and replaced by their digests, sorted. A nested
/// struct does the same above its enclosing field, so hashing a document
/// allocates nothing per field and nothing per nesting level.
struct IonHashSerializer<Function: IonHashFunction> {
    let function: Function
    /// The serialization being written (`s(value)`).
    let out = ByteStack(capacity: 256)  // within glibc's per-thread cache of small chunks; grows for larger values
    /// The digests of the struct ending, end to end (scratch for `endFields`).
    private let digests = ByteStack(capacity: 32 * 8)
    /// Where each field of the structs being serialized starts in `out`: a
    /// struct's fields stay there, end to end, until the struct ends.
    private let starts = IntStack(capacity: 16)

    /// Whether strings are read where they lie (`StringInPlace`).
    private let readsStringsInPlace: Bool

    init(function: Function, readsStringsInPlace: Bool = true) {
        self.function = function
        self.readsStringsInPlace = readsStringsInPlace && StringInPlace.layoutHolds
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

    /// Switched on the type, not the content: a switch on the content copies
    /// it whole first, a retain and a release of whatever it holds.
    private func serializeContent(at value: UnsafePointer<IonValue>) {
        switch value.pointee.content.type {
        case .list where !value.pointee.isNull:
            guard case .list(let items) = value.pointee.content else { return }
            serializeSequence(0xB0, items)
        case .sexp where !value.pointee.isNull:
            guard case .sexp(let items) = value.pointee.content else { return }
            serializeSequence(0xC0, items)
        case .struct where !value.pointee.isNull:
            guard case .struct(let fields) = value.pointee.content else { return }
            out.append(0x0B, 0xD0)
            serializeFields(fields)
            out.append(0x0E)
        case .string where !value.pointee.isNull:
            if readsStringsInPlace, let text = StringInPlace.at(UnsafeRawPointer(value) + Self.contentOffset) {
                scalar(0x80, text)
            } else if case .string(let text) = value.pointee.content {
                out.append(0x0B, 0x80)
                appendEscaped(text)
                out.append(0x0E)
            }
        case .symbol where !value.pointee.isNull:
            if readsStringsInPlace {
                serializeSymbol(at: (UnsafeRawPointer(value) + Self.contentOffset).assumingMemoryBound(to: IonSymbol.self))
            } else if case .symbol(let symbol) = value.pointee.content {
                serializeSymbol(symbol)
            }
        default:   // the other scalars, which hashing from binary writes too
            serializeContent(value.pointee.content)
        }
    }

    private func serializeSequence(_ tq: UInt8, _ items: [IonValue]) {
        out.append(0x0B, tq)
        items.withUnsafeBufferPointer { items in
            guard let base = items.baseAddress else { return }
            for i in items.indices { serialize(at: base + i) }
        }
        out.append(0x0E)
    }

    /// A symbol where it lies: a field's name, or a symbol value's payload.
    private func serializeSymbol(at symbol: UnsafePointer<IonSymbol>) {
        if readsStringsInPlace, let text = StringInPlace.at(UnsafeRawPointer(symbol) + StringInPlace.textOffset) {
            scalar(0x70, text)
        } else {
            serializeSymbol(symbol.pointee)
        }
    }

    /// `0x0B tq escape(bytes) 0x0E` for a string's bytes where they lie.
    @inline(__always)
    private func scalar(_ tq: UInt8, _ text: StringInPlace) {
        switch text {
        case .small(let low, let high, let count):
            out.appendUninitialized(upTo: 34) { tally_ion_hash_append_small_scalar(tq, low, high, count, $0) }
        case .large(let bytes):
            scalar(tq, bytes: bytes)
        }
    }

    /// Where a value's content lies in it: an enum's payload lies at its start.
    private static var contentOffset: Int { MemoryLayout<IonValue>.offset(of: \IonValue.content)! }

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
            let nameOffset = MemoryLayout<IonField>.offset(of: \IonField.name)!
            let valueOffset = MemoryLayout<IonField>.offset(of: \IonField.value)!
            for i in fields.indices {
                let mark = out.count
                let field = base + i * MemoryLayout<IonField>.stride
                serializeSymbol(at: (field + nameOffset).assumingMemoryBound(to: IonSymbol.self))
                serialize(at: (field + valueOffset).assumingMemoryBound(to: IonValue.self))
                endField(from: mark)
            }
        }
        endFields(first)
    }

    /// Where one struct's fields start on the stack of field starts.
    struct FieldsMark {
        fileprivate let start: Int
    }

    func beginFields() -> FieldsMark { FieldsMark(start: starts.count) }

    /// The field serialized into `out` from `mark` on (its name, then its
    /// value) stays there until `endFields` digests it with the others.
    func endField(from mark: Int) {
        starts.append(mark)
    }

    /// The struct's fields digested, cut off `out`, and replaced by their
    /// digests sorted as unsigned byte strings and escaped.
    ///
    /// Sorted by their first eight bytes as a big-endian key, whole only when
    /// two keys are equal: digests differ in their first bytes almost always.
    func endFields(_ mark: FieldsMark) {
        let n = starts.count - mark.start
        guard n > 0 else { return }
        let first = starts[mark.start]
        digests.truncate(to: 0)
        var ends: [Int] = []   // where each digest ends, for digests of varying length only
        let length = function.digestLength
        if let length {
            out.reserve(ionHashReadAhead)
            digests.appendUninitialized(upTo: n * length) { at in
                starts.withUnsafeBuffer(from: mark.start) { function.writeDigests(ofEach: out.bytes(), startingAt: $0, to: at) }
                return n * length
            }
        } else {
            for i in 0..<n {
                appendDigest(of: out.bytes(from: starts[mark.start + i], to: i + 1 < n ? starts[mark.start + i + 1] : out.count))
                ends.append(digests.count)
            }
        }
        out.truncate(to: first)
        starts.truncate(to: mark.start)
        let all = digests.bytes()
        if length == SHA256.byteCount, let base = all.baseAddress {   // SHA-256's: sorted and escaped in C
            out.appendUninitialized(upTo: 2 * all.count) {
                tally_ion_hash_append_sorted_digests(base.assumingMemoryBound(to: UInt8.self), n, $0)
            }
            return
        }
        // Digests of other lengths (the identity function's are the fields' serializations).
        if n == 1 {
            appendEscaped(all)
            return
        }
        withUnsafeTemporaryAllocation(of: SortEntry.self, capacity: n) { entries in
            var start = 0
            for i in 0..<n {
                let end = length.map { start + $0 } ?? ends[i]
                entries.initializeElement(at: i, to: SortEntry(UnsafeRawBufferPointer(rebasing: all[start..<end])))
                start = end
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

    /// The digest of `bytes` (in `out`) onto the digest stack.
    private func appendDigest(of bytes: UnsafeRawBufferPointer) {
        var digest: [UInt8] = []
        function.appendDigest(of: bytes, to: &digest)
        digest.withUnsafeBytes { digests.appendBytes($0) }
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

