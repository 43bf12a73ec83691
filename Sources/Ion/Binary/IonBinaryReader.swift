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
        let end = buf.count
        guard end >= 4, buf[0] == 0xE0, buf[1] == 0x01, buf[2] == 0x00, buf[3] == 0xEA else {
            throw IonError("binary Ion must start with the version marker E0 01 00 EA", offset: 0)
        }
        pos = 4
        var values: [IonValue] = []
        while pos < end {
            let start = pos
            if buf[pos] == 0xE0 {
                try readVersionMarker(end: end)
                continue
            }
            if atPad() {
                try skipPad(end: end)
                continue
            }
            let value = try readValue(end: end, depth: 0)
            if let first = value.annotations.first, first.text == "$ion_symbol_table" {
                switch value.content {
                case .struct(let fields):
                    try applySymbolTable(fields, at: start)
                    continue
                case .null(.struct):
                    try applySymbolTable([], at: start)
                    continue
                default:
                    break
                }
            }
            // A top-level symbol value `$ion_1_0` (SID 2) is not a version
            // marker but a no-op system value, as in text (`'$ion_1_0'`, `$2`).
            if value.annotations.isEmpty, case .symbol(let symbol) = value.content, symbol.text == "$ion_1_0" {
                continue
            }
            values.append(value)
        }
        return values
    }

    /// A top-level `E0 …`: only `E0 01 00 EA` (Ion 1.0) is accepted; it resets the symbol table.
    private mutating func readVersionMarker(end: Int) throws(IonError) {
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

    private mutating func applySymbolTable(_ fields: [IonField], at offset: Int) throws(IonError) {
        do {
            try symbols.applyLocalTable(fields)
        } catch {
            throw IonError(error.message, offset: offset)
        }
    }
}
