/// The Ion 1.0 binary value decoder: type descriptors, containers and annotation
/// wrappers. It reads straight from an unsafe buffer that the caller keeps alive;
/// every index is checked against an explicit `end` (the enclosing container's end
/// or the input's end) before it is read, so no input can read out of bounds.
struct BinaryDecoder {
    let buf: UnsafeBufferPointer<UInt8>
    var pos: Int = 0
    var symbols = SymbolTable()
    let maxDepth: Int
    /// Magnitude bytes of one int or decimal coefficient (see `IonReadOptions.maxIntegerDigits`).
    var maxIntegerBytes = Int.max

    init(_ buf: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buf = buf
        self.maxDepth = maxDepth
    }

    /// Reads one value starting at `pos` (which must be `< end` and not at a NOP pad).
    /// `depth` is the number of containers enclosing the value.
    @inline(__always)
    mutating func readValue(end: Int, depth: Int) throws(IonError) -> IonValue {
        let start = pos
        let descriptor = buf[pos]
        pos += 1
        let type = descriptor >> 4
        let lengthCode = descriptor & 0x0F
        if type == 14 {
            return try readAnnotated(lengthCode, start: start, end: end, depth: depth)
        }
        return IonValue(try readContent(type, lengthCode, start: start, end: end, depth: depth))
    }

    /// True when `pos` (< end) is at a NOP pad: type 0 with a length code other than 15.
    @inline(__always)
    func atPad() -> Bool { buf[pos] <= 0x0E }

    /// Skips the NOP pad at `pos`.
    mutating func skipPad(end: Int) throws(IonError) {
        let start = pos
        let lengthCode = buf[pos] & 0x0F
        pos += 1
        pos += try readLength(lengthCode, start: start, end: end)
    }

    /// Decodes the body of a value whose descriptor (at `start`) has been consumed.
    mutating func readContent(_ type: UInt8, _ lengthCode: UInt8, start: Int, end: Int,
                              depth: Int) throws(IonError) -> IonContent {
        switch type {
        case 0:
            // NOP pads are skipped by the callers before they get here.
            guard lengthCode == 15 else {
                throw IonError("a NOP pad cannot stand here", offset: start)
            }
            return .null(.null)
        case 1:
            switch lengthCode {
            case 0: return .bool(false)
            case 1: return .bool(true)
            case 15: return .null(.bool)
            default: throw IonError("bool has invalid length code \(lengthCode)", offset: start)
            }
        case 2, 3:
            if lengthCode == 15 { return .null(.int) }
            let length = try readLength(lengthCode, start: start, end: end)
            let value = try makeInt(negative: type == 3, from: pos, to: pos + length, signBitInFirstByte: false)
            if type == 3 && value.isZero {
                throw IonError("negative int with a zero magnitude", offset: start)
            }
            pos += length
            return .int(value)
        case 4:
            return try readFloat(lengthCode, start: start, end: end)
        case 5:
            if lengthCode == 15 { return .null(.decimal) }
            let length = try readLength(lengthCode, start: start, end: end)
            return .decimal(try readDecimal(end: pos + length, start: start))
        case 6:
            if lengthCode == 15 { return .null(.timestamp) }
            let length = try readLength(lengthCode, start: start, end: end)
            return .timestamp(try readTimestamp(end: pos + length, start: start))
        case 7:
            if lengthCode == 15 { return .null(.symbol) }
            let length = try readLength(lengthCode, start: start, end: end)
            let sid = try readSymbolID(count: length, start: start)
            return .symbol(try resolve(sid, at: start))
        case 8:
            if lengthCode == 15 { return .null(.string) }
            let length = try readLength(lengthCode, start: start, end: end)
            return .string(try readString(count: length, start: start))
        case 9, 10:
            if lengthCode == 15 { return .null(type == 9 ? .clob : .blob) }
            let length = try readLength(lengthCode, start: start, end: end)
            let bytes = Array(UnsafeBufferPointer(rebasing: buf[pos ..< pos + length]))
            pos += length
            return type == 9 ? .clob(bytes) : .blob(bytes)
        case 11, 12:
            if lengthCode == 15 { return .null(type == 11 ? .list : .sexp) }
            let length = try readLength(lengthCode, start: start, end: end)
            let elements = try readSequence(end: pos + length, depth: depth + 1, start: start)
            return type == 11 ? .list(elements) : .sexp(elements)
        case 13:
            if lengthCode == 15 { return .null(.struct) }
            let length = try readStructLength(lengthCode, start: start, end: end)
            return .struct(try readStruct(end: pos + length, depth: depth + 1, start: start))
        case 14:
            throw IonError("an annotation wrapper may not wrap another annotation wrapper", offset: start)
        default:
            throw IonError("reserved type code 15", offset: start)
        }
    }

    /// The body length of a value: the low nibble, or a VarUInt when it is 14.
    /// Checked to fit before `end`.
    @inline(__always)
    mutating func readLength(_ lengthCode: UInt8, start: Int, end: Int) throws(IonError) -> Int {
        let length = lengthCode == 14 ? try readVarUInt(end: end) : Int(lengthCode)
        guard length <= end - pos else {
            throw IonError("value length \(length) runs past the end of its container or the input", offset: start)
        }
        return length
    }

    /// The body length of a struct whose descriptor (at `start`) has been
    /// consumed; length code 1 is a sorted struct, its length a VarUInt.
    mutating func readStructLength(_ lengthCode: UInt8, start: Int, end: Int) throws(IonError) -> Int {
        guard lengthCode == 1 else { return try readLength(lengthCode, start: start, end: end) }
        let length = try readVarUInt(end: end)
        guard length > 0 else {
            throw IonError("sorted struct (length code 1) must not be empty", offset: start)
        }
        guard length <= end - pos else {
            throw IonError("struct length \(length) runs past the end of its container", offset: start)
        }
        return length
    }

    /// The header of an annotation wrapper whose descriptor (at `start`) has
    /// been consumed: where the wrapper and its annotation SIDs end.
    mutating func readWrapperHeader(_ lengthCode: UInt8, start: Int,
                                    end: Int) throws(IonError) -> (wrapperEnd: Int, annotationsEnd: Int) {
        guard lengthCode >= 3, lengthCode != 15 else {
            throw IonError("annotation wrapper has invalid length code \(lengthCode)", offset: start)
        }
        let length = try readLength(lengthCode, start: start, end: end)
        let wrapperEnd = pos + length
        let annotationsStart = pos
        let annotationsLength = try readVarUInt(end: wrapperEnd)
        guard annotationsLength >= 1 else {
            throw IonError("annotation wrapper has no annotations", offset: annotationsStart)
        }
        guard annotationsLength < wrapperEnd - pos else {
            throw IonError("annotation wrapper leaves no room for its value", offset: annotationsStart)
        }
        return (wrapperEnd, pos + annotationsLength)
    }

    /// The descriptor of the value a wrapper wraps, at `pos` after its annotations.
    mutating func readWrappedDescriptor() throws(IonError) -> UInt8 {
        if atPad() {
            throw IonError("an annotation wrapper may not wrap a NOP pad", offset: pos)
        }
        let descriptor = buf[pos]
        pos += 1
        return descriptor
    }

    @inline(__always)
    func resolve(_ sid: Int, at offset: Int) throws(IonError) -> IonSymbol {
        guard let symbol = symbols.symbol(for: sid) else {
            throw IonError("symbol id \(sid) is not in the symbol table (max id \(symbols.maxID))", offset: offset)
        }
        return symbol
    }

    func checkDepth(_ depth: Int, start: Int) throws(IonError) {
        guard depth <= maxDepth else {
            throw IonError("containers nested deeper than the limit of \(maxDepth)", offset: start)
        }
    }

    /// Elements of a list or s-expression whose body ends at `end`.
    mutating func readSequence(end: Int, depth: Int, start: Int) throws(IonError) -> [IonValue] {
        try checkDepth(depth, start: start)
        var elements: [IonValue] = []
        let counted = countChildren(end: end, fields: false)
        elements.reserveCapacity(counted)
        while pos < end {
            if atPad() {
                try skipPad(end: end)
            } else {
                elements.append(try readValue(end: end, depth: depth))
            }
        }
        assert(elements.count == counted, "counted \(counted) elements, read \(elements.count)")
        return elements
    }

    /// Fields of a struct whose body ends at `end`. NOP pads (with any field name) are skipped.
    mutating func readStruct(end: Int, depth: Int, start: Int) throws(IonError) -> [IonField] {
        try checkDepth(depth, start: start)
        var fields: [IonField] = []
        let counted = countChildren(end: end, fields: true)
        fields.reserveCapacity(counted)
        while pos < end {
            guard let name = try readFieldName(end: end) else { continue }
            fields.append(IonField(name, try readValue(end: end, depth: depth)))
        }
        assert(fields.count == counted, "counted \(counted) fields, read \(fields.count)")
        return fields
    }

    /// The name of the struct field at `pos` (< `end`), or nil for a NOP pad,
    /// which is skipped with its name (any name) ignored.
    mutating func readFieldName(end: Int) throws(IonError) -> IonSymbol? {
        let nameStart = pos
        let sid = try readVarUInt(end: end)
        guard pos < end else {
            throw IonError("struct field name has no value", offset: nameStart)
        }
        if atPad() {
            try skipPad(end: end)
            return nil
        }
        return try resolve(sid, at: nameStart)
    }

    /// An annotation wrapper (type 14) whose descriptor at `start` has been consumed.
    mutating func readAnnotated(_ lengthCode: UInt8, start: Int, end: Int,
                                depth: Int) throws(IonError) -> IonValue {
        let (wrapperEnd, annotationsEnd) = try readWrapperHeader(lengthCode, start: start, end: end)
        var annotations: [IonSymbol] = []
        while pos < annotationsEnd {
            let sidStart = pos
            let sid = try readVarUInt(end: annotationsEnd)
            annotations.append(try resolve(sid, at: sidStart))
        }
        let valueStart = pos
        let descriptor = try readWrappedDescriptor()
        let content = try readContent(descriptor >> 4, descriptor & 0x0F, start: valueStart, end: wrapperEnd,
                                      depth: depth)
        guard pos == wrapperEnd else {
            throw IonError("annotation wrapper length does not match its value's length", offset: start)
        }
        return IonValue(content, annotations: annotations)
    }
}
