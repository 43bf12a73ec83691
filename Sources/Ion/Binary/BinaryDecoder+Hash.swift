/// Ion Hash straight from binary Ion: no value tree is built. The body of most
/// binary scalars already is their Ion Hash representation (a string's UTF-8, an
/// int's magnitude, a blob's bytes), so they are escaped into the serialization
/// as they stand; floats, decimals and timestamps are decoded and written in
/// canonical form, as `IonHashSerializer` writes them from values. Everything the
/// decoder rejects is rejected here too, with the same errors.
extension BinaryDecoder {
    /// Writes `s(value)` of the value at `pos` (not a NOP pad) into `s`.
    mutating func serializeForHash<F: IonHashFunction>(end: Int, depth: Int,
                                                       into s: IonHashSerializer<F>) throws(IonError) {
        let start = pos
        let descriptor = buf[pos]
        pos += 1
        if descriptor >> 4 == 14 {
            try serializeAnnotatedForHash(descriptor & 0x0F, start: start, end: end, depth: depth, into: s)
        } else {
            try serializeContentForHash(descriptor, start: start, end: end, depth: depth, into: s)
        }
    }

    private mutating func serializeContentForHash<F: IonHashFunction>(
        _ descriptor: UInt8, start: Int, end: Int, depth: Int, into s: IonHashSerializer<F>
    ) throws(IonError) {
        let type = descriptor >> 4
        let lengthCode = descriptor & 0x0F
        // A typed null's descriptor (T << 4 | 0xF) is its type qualifier (null.int's is 0x2F, whatever
        // the int type code), and so are false (0x10) and true (0x11).
        if lengthCode == 15 && type <= 13 || type == 1 && lengthCode <= 1 {
            s.out.append(0x0B, type == 3 ? 0x2F : descriptor)
            s.out.append(0x0E)
            return
        }
        switch type {
        case 2, 3:
            let length = try readLength(lengthCode, start: start, end: end)
            guard length <= maxIntegerBytes else {
                throw IonError("a number of \(length) magnitude bytes; the limit is \(maxIntegerBytes)", offset: pos)
            }
            var first = pos
            pos += length
            while first < pos, buf[first] == 0 { first += 1 }
            if type == 3 && first == pos {
                throw IonError("negative int with a zero magnitude", offset: start)
            }
            s.scalar(type << 4, bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buf[first..<pos])))
        case 7:
            let length = try readLength(lengthCode, start: start, end: end)
            let sid = try readSymbolID(count: length, start: start)
            s.serializeSymbol(try resolve(sid, at: start))
        case 8, 9, 10:
            let length = try readLength(lengthCode, start: start, end: end)
            let body = UnsafeBufferPointer(rebasing: buf[pos..<pos + length])
            if type == 8 && !BinaryUTF8.isValid(body) {
                throw IonError("string is not valid UTF-8", offset: start)
            }
            pos += length
            s.scalar(type << 4, bytes: UnsafeRawBufferPointer(body))
        case 11, 12:
            let length = try readLength(lengthCode, start: start, end: end)
            try checkDepth(depth + 1, start: start)
            let bodyEnd = pos + length
            s.out.append(0x0B, type << 4)
            while pos < bodyEnd {
                if atPad() {
                    try skipPad(end: bodyEnd)
                } else {
                    try serializeForHash(end: bodyEnd, depth: depth + 1, into: s)
                }
            }
            s.out.append(0x0E)
        case 13:
            try serializeStructForHash(lengthCode, start: start, end: end, depth: depth, into: s)
        default:
            // Floats, decimals and timestamps have more than one encoding of a
            // value (binary32 and binary64, leading zero bytes, local offsets):
            // decoded, they are written in the one form Ion Hash defines.
            s.serializeContent(try readContent(type, lengthCode, start: start, end: end, depth: depth))
        }
    }

    private mutating func serializeStructForHash<F: IonHashFunction>(
        _ lengthCode: UInt8, start: Int, end: Int, depth: Int, into s: IonHashSerializer<F>
    ) throws(IonError) {
        let length = try readStructLength(lengthCode, start: start, end: end)
        try checkDepth(depth + 1, start: start)
        let bodyEnd = pos + length
        s.out.append(0x0B, 0xD0)
        let fields = s.beginFields()
        while pos < bodyEnd {
            guard let name = try readFieldName(end: bodyEnd) else { continue }
            let mark = s.out.count
            s.serializeSymbol(name)
            try serializeForHash(end: bodyEnd, depth: depth + 1, into: s)
            s.endField(from: mark)
        }
        s.endFields(fields)
        s.out.append(0x0E)
    }

    private mutating func serializeAnnotatedForHash<F: IonHashFunction>(
        _ lengthCode: UInt8, start: Int, end: Int, depth: Int, into s: IonHashSerializer<F>
    ) throws(IonError) {
        let (wrapperEnd, annotationsEnd) = try readWrapperHeader(lengthCode, start: start, end: end)
        s.out.append(0x0B, 0xE0)
        while pos < annotationsEnd {
            let sidStart = pos
            let sid = try readVarUInt(end: annotationsEnd)
            s.serializeSymbol(try resolve(sid, at: sidStart))
        }
        let valueStart = pos
        let descriptor = try readWrappedDescriptor()
        if descriptor >> 4 == 14 {
            throw IonError("an annotation wrapper may not wrap another annotation wrapper", offset: valueStart)
        }
        try serializeContentForHash(descriptor, start: valueStart, end: wrapperEnd, depth: depth, into: s)
        guard pos == wrapperEnd else {
            throw IonError("annotation wrapper length does not match its value's length", offset: start)
        }
        s.out.append(0x0E)
    }
}
