/// Encodes values into Ion 1.0 binary, writing BACK TO FRONT: `out` holds the
/// stream reversed. A container's body is written before its header, so its
/// length is simply how much `out` grew — one pass, no length pre-computation
/// and no copying, whatever the nesting depth. `finish()` reverses once.
///
/// Symbols: `symbols` assigns each text its id when the encoder first meets
/// it (back to front); `finishStream` puts the table of them in front.
///
/// The bytes go onto a `ByteStack` (no per-byte uniqueness or capacity
/// checks an array append makes). An encoder is a value: each entry point a
/// caller outside this file uses first makes the stack its own if a copy of
/// the encoder shares it (`unique()`); the writes under it then need no check.
struct BinaryEncoder {
    private var out = ByteStack(capacity: 256)
    var symbols: SymbolInterner

    init(symbols: SymbolInterner) {
        self.symbols = symbols
    }

    /// How many bytes have been written.
    var count: Int { out.count }

    /// What has been written so far, still reversed.
    var reversedBytes: [UInt8] { Array(out.bytes()) }

    private mutating func unique() {
        if !isKnownUniquelyReferenced(&out) { out = out.copy() }
    }

    /// The stream in reading order (copied out of the stack reversed, in one pass).
    mutating func finish() -> [UInt8] {
        let written = out.bytes()
        return [UInt8](unsafeUninitializedCapacity: written.count) { result, n in
            ByteReversal.copyReversed(written, to: UnsafeMutableRawBufferPointer(result))
            n = written.count
        }
    }

    /// Puts the local symbol table (the preset's texts, then those
    /// `symbols` assigned) and the version marker before everything written so far.
    mutating func finishStream(preset: IonSymbolPreset? = nil) {
        unique()
        let local = symbols.texts
        if !local.isEmpty || preset.map({ !$0.texts.isEmpty }) == true {
            let table = out.count
            for text in local.reversed() {
                let mark = out.count
                writeUTF8(text)
                writeHeader(8, length: out.count - mark)
            }
            if let preset { preset.reversedElements.withUnsafeBytes { out.appendBytes($0) } }
            closeList(since: table)
            writeFieldName(id: 7)  // symbols
            closeStruct(since: table)
            annotate(since: table, id: 3)  // $ion_symbol_table
        }
        prependForward(Ion.binaryVersionMarker)
    }

    /// Puts `bytes` (given in reading order) before everything written so far.
    mutating func prependForward(_ bytes: [UInt8]) {
        unique()
        for byte in bytes.reversed() { out.append(byte) }
    }

    mutating func write(_ value: borrowing IonValue) {
        unique()
        writeValue(value)
    }

    private mutating func writeValue(_ value: borrowing IonValue) {
        if value.annotations.isEmpty {
            writeContent(value.content)
            return
        }
        let mark = out.count
        writeContent(value.content)
        let annotationsMark = out.count
        for i in value.annotations.indices.reversed() {
            writeVarUInt(symbols.id(for: value.annotations[i]))
        }
        writeVarUInt(out.count - annotationsMark)
        writeHeader(14, length: out.count - mark)
    }

    /// Wraps what was written since `mark` in an annotation wrapper with one annotation.
    mutating func annotate(since mark: Int, id: Int) {
        unique()
        let annotationsMark = out.count
        writeVarUInt(id)
        writeVarUInt(out.count - annotationsMark)
        writeHeader(14, length: out.count - mark)
    }

    /// Makes the fields written since `mark` (each value, then its name) a struct.
    mutating func closeStruct(since mark: Int) {
        unique()
        // Non-empty structs always carry a VarUInt length (L=14), so L=1 (sorted) never occurs.
        let length = out.count - mark
        if length == 0 {
            out.append(0xD0)
        } else {
            writeVarUInt(length)
            out.append(0xDE)
        }
    }

    /// Makes the values written since `mark` a list.
    mutating func closeList(since mark: Int) {
        unique()
        writeHeader(11, length: out.count - mark)
    }

    /// A field name's symbol id (written after the field's value).
    mutating func writeFieldName(id: Int) {
        unique()
        writeVarUInt(id)
    }

    private mutating func writeContent(_ content: IonContent) {
        switch content {
        case .null(let type):
            out.append(type.rawValue << 4 | 0x0F)
        case .bool(let value):
            out.append(value ? 0x11 : 0x10)
        case .int(let value):
            let mark = out.count
            writeMagnitude(value)
            writeHeader(value.isNegative ? 3 : 2, length: out.count - mark)
        case .float(let value):
            if value.bitPattern == 0 {
                out.append(0x40)
            } else {
                writeBigEndian(value.bitPattern, count: 8)
                out.append(0x48)
            }
        case .decimal(let value):
            if value.exponent == 0 && value.coefficient.isZero && !value.isNegativeZero {
                out.append(0x50)
                return
            }
            let mark = out.count
            writeSignedInt(value.coefficient, negativeZero: value.isNegativeZero)
            writeVarInt(value.exponent, negativeZero: false)
            writeHeader(5, length: out.count - mark)
        case .timestamp(let value):
            let mark = out.count
            writeTimestampBody(value)
            writeHeader(6, length: out.count - mark)
        case .symbol(let symbol):
            let mark = out.count
            writeBigEndianMinimal(UInt64(symbols.id(for: symbol)))
            writeHeader(7, length: out.count - mark)
        case .string(let text):
            let mark = out.count
            writeUTF8(text)
            writeHeader(8, length: out.count - mark)
        case .clob(let bytes):
            writeBytes(bytes)
            writeHeader(9, length: bytes.count)
        case .blob(let bytes):
            writeBytes(bytes)
            writeHeader(10, length: bytes.count)
        case .list(let elements), .sexp(let elements):
            let mark = out.count
            for i in elements.indices.reversed() { writeValue(elements[i]) }
            writeHeader(content.type == .list ? 11 : 12, length: out.count - mark)
        case .struct(let fields):
            let mark = out.count
            for i in fields.indices.reversed() {  // by index: no copy of each field
                writeValue(fields[i].value)
                writeVarUInt(symbols.id(for: fields[i].name))
            }
            closeStruct(since: mark)
        }
    }

    /// Offset, UTC date and time fields down to the precision, then any fraction.
    private mutating func writeTimestampBody(_ value: IonTimestamp) {
        let precision = value.precision
        if precision == .second, let fraction = value.fraction,
           !(fraction.coefficient.isZero && fraction.exponent >= 0) {
            writeSignedInt(fraction.coefficient, negativeZero: false)
            writeVarInt(fraction.exponent, negativeZero: false)
        }
        let utc = value.utcFields
        if precision >= .second { writeVarUInt(value.second) }
        if precision >= .minute {
            writeVarUInt(utc.minute)
            writeVarUInt(utc.hour)
        }
        if precision >= .day { writeVarUInt(utc.day) }
        if precision >= .month { writeVarUInt(utc.month) }
        writeVarUInt(utc.year)
        if precision >= .minute, let offset = value.offsetMinutes {
            writeVarInt(offset, negativeZero: false)
        } else {
            out.append(0xC0)  // -0: unknown offset
        }
    }

    // MARK: - Primitive fields (each written reversed)

    private mutating func writeHeader(_ type: UInt8, length: Int) {
        if length < 14 {
            out.append(type << 4 | UInt8(length))
        } else {
            writeVarUInt(length)
            out.append(type << 4 | 14)
        }
    }

    private mutating func writeVarUInt(_ value: Int) {
        var rest = UInt(max(0, value))
        out.append(UInt8(rest & 0x7F) | 0x80)
        rest >>= 7
        while rest != 0 {
            out.append(UInt8(rest & 0x7F))
            rest >>= 7
        }
    }

    private mutating func writeVarInt(_ value: Int, negativeZero: Bool) {
        let sign: UInt8 = (value < 0 || negativeZero) ? 0x40 : 0
        var rest = value.magnitude
        if rest < 0x40 {
            out.append(0x80 | sign | UInt8(rest))
            return
        }
        out.append(0x80 | UInt8(rest & 0x7F))
        rest >>= 7
        while rest >= 0x40 {
            out.append(UInt8(rest & 0x7F))
            rest >>= 7
        }
        out.append(sign | UInt8(rest))
    }

    private mutating func writeBigEndian(_ value: UInt64, count: Int) {
        var rest = value
        for _ in 0 ..< count {
            out.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    /// The magnitude with no leading zero bytes (nothing for zero).
    private mutating func writeBigEndianMinimal(_ value: UInt64) {
        var rest = value
        while rest != 0 {
            out.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    /// An int's magnitude, big-endian, minimal (the UInt field of type 2/3 ints).
    private mutating func writeMagnitude(_ value: IonInt) {
        switch value {
        case .small(let v):
            writeBigEndianMinimal(v.magnitude)
        case .big:
            writeBytes(value.magnitudeBytes)
        }
    }

    /// The Int field (decimal coefficient, timestamp fraction): sign-and-magnitude,
    /// sign in the first byte's high bit; nothing for positive zero, `0x80` for -0.
    private mutating func writeSignedInt(_ value: IonInt, negativeZero: Bool) {
        let negative = value.isNegative || (negativeZero && value.isZero)
        let mark = out.count
        writeMagnitude(value)
        if out.count == mark {
            if negative { out.append(0x80) }
            return
        }
        let top = out.count - 1
        if out[top] & 0x80 != 0 {
            out.append(negative ? 0x80 : 0x00)
        } else if negative {
            out[top] |= 0x80
        }
    }

    private mutating func writeBytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeReversed($0) }
    }

    private mutating func writeUTF8(_ text: String) {
        var text = text
        text.withUTF8 { writeReversed(UnsafeRawBufferPointer($0)) }
    }

    /// `bytes` onto the stack last byte first.
    private mutating func writeReversed(_ bytes: UnsafeRawBufferPointer) {
        out.appendUninitialized(upTo: bytes.count) { at in
            ByteReversal.copyReversed(bytes, to: UnsafeMutableRawBufferPointer(start: at, count: bytes.count))
            return bytes.count
        }
    }
}
