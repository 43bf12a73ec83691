/// Ion binary primitive fields (VarUInt, VarInt, UInt, Int) and the scalar
/// bodies built directly from them (floats, symbol ids, strings).
extension BinaryDecoder {
    /// A VarUInt: 7 bits per byte, big-endian, the last byte marked by its high bit.
    /// Must end before `end` and fit in `Int`.
    @inline(__always)
    mutating func readVarUInt(end: Int) throws(IonError) -> Int {
        if pos < end {
            let first = buf[pos]
            if first & 0x80 != 0 {
                pos += 1
                return Int(first & 0x7F)
            }
        }
        return try readVarUIntSlow(end: end)
    }

    private mutating func readVarUIntSlow(end: Int) throws(IonError) -> Int {
        let start = pos
        var result = 0
        while pos < end {
            let byte = buf[pos]
            pos += 1
            guard result <= (Int.max >> 7) else {
                throw IonError("VarUInt is too large", offset: start)
            }
            result = (result << 7) | Int(byte & 0x7F)
            if byte & 0x80 != 0 { return result }
        }
        throw IonError("VarUInt runs past the end of its value, container or the input", offset: start)
    }

    /// A VarInt: like a VarUInt, but the first byte's bit 6 is the sign and it
    /// carries only 6 magnitude bits. `negativeZero` reports `-0` (used for the
    /// unknown timestamp offset).
    @inline(__always)
    mutating func readVarInt(end: Int) throws(IonError) -> (value: Int, negativeZero: Bool) {
        if pos < end {
            let first = buf[pos]
            if first & 0x80 != 0 {   // one byte, the common case (offsets, exponents)
                pos += 1
                let magnitude = Int(first & 0x3F)
                guard first & 0x40 != 0 else { return (magnitude, false) }
                return magnitude == 0 ? (0, true) : (-magnitude, false)
            }
        }
        return try readVarIntSlow(end: end)
    }

    private mutating func readVarIntSlow(end: Int) throws(IonError) -> (value: Int, negativeZero: Bool) {
        let start = pos
        guard pos < end else {
            throw IonError("VarInt runs past the end of its value", offset: start)
        }
        var byte = buf[pos]
        pos += 1
        let negative = byte & 0x40 != 0
        var magnitude = Int(byte & 0x3F)
        while byte & 0x80 == 0 {
            guard pos < end else {
                throw IonError("VarInt runs past the end of its value", offset: start)
            }
            byte = buf[pos]
            pos += 1
            guard magnitude <= (Int.max >> 7) else {
                throw IonError("VarInt is too large", offset: start)
            }
            magnitude = (magnitude << 7) | Int(byte & 0x7F)
        }
        if negative {
            return magnitude == 0 ? (0, true) : (-magnitude, false)
        }
        return (magnitude, false)
    }

    /// An int from the big-endian magnitude in `buf[from..<to]`. With
    /// `signBitInFirstByte` (the Int field of decimals and timestamps) the first
    /// byte's high bit is a sign bit and is not part of the magnitude.
    func makeInt(negative: Bool, from: Int, to: Int, signBitInFirstByte: Bool) throws(IonError) -> IonInt {
        guard to - from <= maxIntegerBytes else {
            throw IonError("a number of \(to - from) magnitude bytes; the limit is \(maxIntegerBytes)", offset: from)
        }
        var index = from
        var magnitude: UInt64 = 0
        if signBitInFirstByte, index < to {
            magnitude = UInt64(buf[index] & 0x7F)
            index += 1
        }
        if magnitude == 0 {
            while index < to, buf[index] == 0 { index += 1 }
        }
        let remaining = to - index + (magnitude == 0 ? 0 : 1)
        if remaining <= 8 {
            while index < to {
                magnitude = (magnitude << 8) | UInt64(buf[index])
                index += 1
            }
            if !negative, magnitude <= UInt64(Int64.max) {
                return .small(Int64(magnitude))
            }
            if negative, magnitude <= UInt64(Int64.max) {
                return .small(-Int64(magnitude))
            }
            if negative, magnitude == UInt64(Int64.max) + 1 {
                return .small(Int64.min)
            }
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: buf[from ..< to]))
        if signBitInFirstByte, !bytes.isEmpty { bytes[0] &= 0x7F }
        return IonInt(negative: negative, magnitude: bytes[...])
    }

    /// A symbol id stored as a `count`-byte UInt at `pos`.
    mutating func readSymbolID(count: Int, start: Int) throws(IonError) -> Int {
        var sid = 0
        for index in pos ..< pos + count {
            guard sid <= (Int.max >> 8) else {
                throw IonError("symbol id is too large", offset: start)
            }
            sid = (sid << 8) | Int(buf[index])
        }
        pos += count
        return sid
    }

    /// `count` bytes at `pos` as a string; they must be valid UTF-8.
    mutating func readString(count: Int, start: Int) throws(IonError) -> String {
        let bytes = UnsafeBufferPointer(rebasing: buf[pos ..< pos + count])
        guard BinaryUTF8.isValid(bytes) else {
            throw IonError("string is not valid UTF-8", offset: start)
        }
        pos += count
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A float body: empty (0e0), 4 bytes (binary32) or 8 bytes (binary64).
    mutating func readFloat(_ lengthCode: UInt8, start: Int, end: Int) throws(IonError) -> IonContent {
        switch lengthCode {
        case 0:
            return .float(0)
        case 4, 8:
            let count = Int(lengthCode)
            guard count <= end - pos else {
                throw IonError("float length \(count) runs past the end of its container or the input",
                               offset: start)
            }
            var bits: UInt64 = 0
            for index in pos ..< pos + count {
                bits = (bits << 8) | UInt64(buf[index])
            }
            pos += count
            if count == 4 {
                return .float(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
            }
            return .float(Double(bitPattern: bits))
        case 15:
            return .null(.float)
        default:
            throw IonError("float has invalid length code \(lengthCode) (only 0, 4 and 8 are allowed)",
                           offset: start)
        }
    }
}
