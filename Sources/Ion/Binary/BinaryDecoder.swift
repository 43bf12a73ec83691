/// The Ion 1.0 binary value decoder: type descriptors, containers and annotation
/// wrappers. It reads straight from an unsafe buffer that the caller keeps alive;
/// every index is checked against an explicit `end` (the enclosing container's end
/// or the input's end) before it is read, so no input can read out of bounds.
struct BinaryDecoder: ~Copyable {
    let buf: UnsafeBufferPointer<UInt8>
    var pos: Int = 0
    var symbols = SymbolTable()
    let maxDepth: Int
    /// Children of the containers being read (see `BinaryScratchStack`).
    var elementStack = BinaryScratchStack<IonValue>()
    var fieldStack = BinaryScratchStack<IonField>()

    init(_ buf: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buf = buf
        self.maxDepth = maxDepth
    }

    /// Reads one value starting at `pos` (which must be `< end`), or skips a NOP pad and returns nil.
    /// `depth` is the number of containers enclosing the value.
    mutating func readValue(end: Int, depth: Int) throws(IonError) -> IonValue? {
        let start = pos
        let descriptor = buf[pos]
        pos += 1
        let type = descriptor >> 4
        let lengthCode = descriptor & 0x0F
        if type == 14 {
            return try readAnnotated(lengthCode, start: start, end: end, depth: depth)
        }
        guard let content = try readContent(type, lengthCode, start: start, end: end, depth: depth) else {
            return nil
        }
        return IonValue(content)
    }

    /// Decodes the body of a value whose descriptor (at `start`) has been consumed.
    /// Returns nil for a NOP pad.
    mutating func readContent(_ type: UInt8, _ lengthCode: UInt8, start: Int, end: Int,
                              depth: Int) throws(IonError) -> IonContent? {
        switch type {
        case 0:
            if lengthCode == 15 { return .null(.null) }
            let length = try readLength(lengthCode, start: start, end: end)
            pos += length
            return nil
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
            let value = makeInt(negative: type == 3, from: pos, to: pos + length, signBitInFirstByte: false)
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
            let length: Int
            if lengthCode == 1 {
                // Sorted struct: the length follows as a VarUInt and must not be zero.
                length = try readVarUInt(end: end)
                guard length > 0 else {
                    throw IonError("sorted struct (length code 1) must not be empty", offset: start)
                }
                guard length <= end - pos else {
                    throw IonError("struct length \(length) runs past the end of its container", offset: start)
                }
            } else {
                length = try readLength(lengthCode, start: start, end: end)
            }
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

    @inline(__always)
    func resolve(_ sid: Int, at offset: Int) throws(IonError) -> IonSymbol {
        guard let symbol = symbols.symbol(for: sid) else {
            throw IonError("symbol id \(sid) is not in the symbol table (max id \(symbols.maxID))", offset: offset)
        }
        return symbol
    }

    private func checkDepth(_ depth: Int, start: Int) throws(IonError) {
        guard depth <= maxDepth else {
            throw IonError("containers nested deeper than the limit of \(maxDepth)", offset: start)
        }
    }

    /// Elements of a list or s-expression whose body ends at `end`.
    mutating func readSequence(end: Int, depth: Int, start: Int) throws(IonError) -> [IonValue] {
        try checkDepth(depth, start: start)
        let mark = elementStack.count
        while pos < end {
            if let element = try readValue(end: end, depth: depth) {
                elementStack.push(element)
            }
        }
        return elementStack.pop(from: mark)
    }

    /// Fields of a struct whose body ends at `end`. NOP pads (with any field name) are skipped.
    mutating func readStruct(end: Int, depth: Int, start: Int) throws(IonError) -> [IonField] {
        try checkDepth(depth, start: start)
        let mark = fieldStack.count
        while pos < end {
            let nameStart = pos
            let sid = try readVarUInt(end: end)
            guard pos < end else {
                throw IonError("struct field name has no value", offset: nameStart)
            }
            guard let value = try readValue(end: end, depth: depth) else { continue }
            fieldStack.push(IonField(try resolve(sid, at: nameStart), value))
        }
        return fieldStack.pop(from: mark)
    }

    /// An annotation wrapper (type 14) whose descriptor at `start` has been consumed.
    mutating func readAnnotated(_ lengthCode: UInt8, start: Int, end: Int,
                                depth: Int) throws(IonError) -> IonValue {
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
        let annotationsEnd = pos + annotationsLength
        var annotations: [IonSymbol] = []
        while pos < annotationsEnd {
            let sidStart = pos
            let sid = try readVarUInt(end: annotationsEnd)
            annotations.append(try resolve(sid, at: sidStart))
        }
        let valueStart = pos
        let descriptor = buf[pos]
        pos += 1
        let type = descriptor >> 4
        let valueLengthCode = descriptor & 0x0F
        if type == 0 && valueLengthCode != 15 {
            throw IonError("an annotation wrapper may not wrap a NOP pad", offset: valueStart)
        }
        guard let content = try readContent(type, valueLengthCode, start: valueStart, end: wrapperEnd,
                                            depth: depth) else {
            throw IonError("annotation wrapper has no value", offset: valueStart)
        }
        guard pos == wrapperEnd else {
            throw IonError("annotation wrapper length does not match its value's length", offset: start)
        }
        return IonValue(content, annotations: annotations)
    }
}
