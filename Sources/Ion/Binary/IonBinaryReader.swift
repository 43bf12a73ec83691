/// Reads an Ion 1.0 binary stream into values.
///
/// The stream must start with the binary version marker `E0 01 00 EA`; a later
/// marker resets the symbol table. Local symbol tables are applied, not returned.
/// Any malformed input raises an `IonError` carrying the byte offset of the problem.
public struct IonBinaryReader: Sendable {
    private let bytes: [UInt8]
    private let options: IonReadOptions

    public init(_ bytes: [UInt8], options: IonReadOptions = IonReadOptions()) {
        self.bytes = bytes
        self.options = options
    }

    /// Every top-level user value of the stream, in order.
    public func readAll() throws(IonError) -> [IonValue] {
        let maxDepth = options.maxDepth
        // A decimal digit is log2(10) ≈ 3.32 bits: bytes = digits × 0.415, rounded up.
        let maxIntegerBytes = options.maxIntegerDigits == .max ? Int.max : options.maxIntegerDigits * 415 / 1000 + 1
        let result: Result<[IonValue], IonError> = bytes.withUnsafeBufferPointer { buffer in
            var decoder = BinaryDecoder(buffer, maxDepth: maxDepth)
            decoder.maxIntegerBytes = maxIntegerBytes
            do throws(IonError) {
                return .success(try decoder.readStream())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

extension BinaryDecoder {
    /// Reads the whole buffer as a stream: version markers, local symbol tables and user values.
    mutating func readStream() throws(IonError) -> [IonValue] {
        let end = try beginStream()
        var values: [IonValue] = []
        while try nextUserValue(end: end) {
            values.append(try readValue(end: end, depth: 0))
        }
        return values
    }

    /// Checks the leading version marker and steps past it; returns the stream's end.
    mutating func beginStream() throws(IonError) -> Int {
        let end = buf.count
        guard end >= 4, buf[0] == 0xE0, buf[1] == 0x01, buf[2] == 0x00, buf[3] == 0xEA else {
            throw IonError("binary Ion must start with the version marker E0 01 00 EA", offset: 0)
        }
        pos = 4
        return end
    }

    /// Steps over version markers (resetting the symbol table), NOP pads and
    /// local symbol tables (applied) to the next top-level user value: true
    /// when `pos` is at one, false at the end of the stream.
    mutating func nextUserValue(end: Int) throws(IonError) -> Bool {
        while pos < end {
            if buf[pos] == 0xE0 {
                try readVersionMarker(end: end)
            } else if atPad() {
                try skipPad(end: end)
            } else if try !skipSystemValue(end: end) {
                return true
            }
        }
        return false
    }

    /// Applies and steps over a local symbol table or a `$ion_1_0` symbol at
    /// `pos`; false (nothing consumed) for any other value. Only an annotation
    /// wrapper whose first annotation is `$ion_symbol_table`, or a symbol, is
    /// decoded to find out.
    private mutating func skipSystemValue(end: Int) throws(IonError) -> Bool {
        let type = buf[pos] >> 4
        guard type == 7 || type == 14 && firstAnnotation(end: end) == "$ion_symbol_table" else { return false }
        let start = pos
        // The first table on a new one depends on its bytes alone: perhaps read before.
        let cacheable = type == 14 && symbols.isSystemOnly
        var tableBytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
        if cacheable, let tableEnd = annotatedValueEnd(end: end), tableEnd - start <= LocalSymbolTableCache.maxTableBytes {
            tableBytes = UnsafeBufferPointer(rebasing: buf[start..<tableEnd])
            if let table = LocalSymbolTableCache.shared.table(for: tableBytes, maxDepth: maxDepth,
                                                              maxIntegerBytes: maxIntegerBytes) {
                symbols = table
                pos = tableEnd
                return true
            }
        }
        var peek = self
        let value = try peek.readValue(end: end, depth: 0)
        if type == 14 {
            switch value.content {
            case .struct(let fields): try applySymbolTable(fields, at: start)
            case .null(.struct): try applySymbolTable([], at: start)
            default: return false
            }
            if tableBytes.count > 0, peek.pos == start + tableBytes.count {
                LocalSymbolTableCache.shared.remember(symbols, for: tableBytes, maxDepth: maxDepth,
                                                      maxIntegerBytes: maxIntegerBytes)
            }
        } else {
            // A top-level symbol value `$ion_1_0` (SID 2) is not a version
            // marker but a no-op system value, as in text (`'$ion_1_0'`, `$2`).
            guard case .symbol(let symbol) = value.content, symbol.text == "$ion_1_0" else { return false }
        }
        pos = peek.pos
        return true
    }

    /// Where the annotation wrapper at `pos` ends, if its header reads.
    private func annotatedValueEnd(end: Int) -> Int? {
        var peek = self
        let lengthCode = buf[pos] & 0x0F
        peek.pos += 1
        return (try? peek.readWrapperHeader(lengthCode, start: pos, end: end))?.wrapperEnd
    }

    /// The text of the first annotation of the wrapper at `pos`, if it reads as one.
    private func firstAnnotation(end: Int) -> String? {
        var peek = self
        let lengthCode = buf[pos] & 0x0F
        peek.pos += 1
        guard let (wrapperEnd, _) = try? peek.readWrapperHeader(lengthCode, start: pos, end: end),
              let sid = try? peek.readVarUInt(end: wrapperEnd) else { return nil }
        return symbols.symbol(for: sid)?.text
    }

    /// A top-level `E0 …`: only `E0 01 00 EA` (Ion 1.0) is accepted; it resets the symbol table.
    mutating func readVersionMarker(end: Int) throws(IonError) {
        let start = pos
        guard end - pos >= 4 else {
            throw IonError("truncated binary version marker", offset: start)
        }
        guard buf[pos + 3] == 0xEA else {
            throw IonError("invalid binary version marker", offset: start)
        }
        guard buf[pos + 1] == 0x01, buf[pos + 2] == 0x00 else {
            throw IonError("unsupported Ion version \(buf[pos + 1]).\(buf[pos + 2]); only 1.0 is supported",
                           offset: start)
        }
        symbols = SymbolTable()
        pos += 4
    }

    mutating func applySymbolTable(_ fields: [IonField], at offset: Int) throws(IonError) {
        do {
            try symbols.applyLocalTable(fields)
        } catch {
            throw IonError(error.message, offset: offset)
        }
    }
}
