import CIonHash

/// The "representation" bytes Ion Hash serializes for each scalar: the Ion
/// binary encoding of the value without its type descriptor or length.
enum HashRepresentation {
    /// Whether any byte is a marker (0x0B, 0x0C, 0x0E), sixteen at a time (`CIonHash`).
    static func containsMarker(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return tally_ion_hash_has_marker(base, bytes.count) != 0
    }

    /// Big-endian magnitude with no leading zero bytes (nothing for 0).
    static func appendMagnitude<Out: HashBytes>(_ value: UInt64, to out: inout Out) {
        guard value != 0 else { return }
        var shift = (64 - value.leadingZeroBitCount + 7) / 8 * 8
        while shift > 0 {
            shift -= 8
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// VarUInt: seven bits a byte, most significant first, end flag in bit 7 of the last.
    static func appendVarUInt<Out: HashBytes>(_ value: UInt64, to out: inout Out) {
        var shift = (max(1, 64 - value.leadingZeroBitCount) + 6) / 7 * 7
        while shift > 7 {
            shift -= 7
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0x7F)
        }
        out.append(UInt8(truncatingIfNeeded: value) & 0x7F | 0x80)
    }

    /// VarInt: sign in bit 6 of the first byte, end flag in bit 7 of the last.
    static func appendVarInt<Out: HashBytes>(_ value: Int, negativeZero: Bool = false, to out: inout Out) {
        let negative = value < 0 || negativeZero
        let magnitude = UInt64(value.magnitude)
        // The first (most significant) byte has only 6 bits for magnitude.
        let bits = 64 - magnitude.leadingZeroBitCount
        let count = max(1, (bits + 1 + 6) / 7)
        var shift = (count - 1) * 7
        var first = UInt8(truncatingIfNeeded: magnitude >> UInt64(shift)) & 0x3F
        if negative { first |= 0x40 }
        if count == 1 {
            out.append(first | 0x80)
            return
        }
        out.append(first)
        while shift > 7 {
            shift -= 7
            out.append(UInt8(truncatingIfNeeded: magnitude >> UInt64(shift)) & 0x7F)
        }
        out.append(UInt8(truncatingIfNeeded: magnitude) & 0x7F | 0x80)
    }

    /// Signed-magnitude Int: big-endian magnitude with the sign in the top bit.
    static func appendSignedMagnitude<Out: HashBytes>(_ value: IonInt, negativeZero: Bool = false, to out: inout Out) {
        guard case .small(let v) = value else {
            var bytes = value.magnitudeBytes
            if bytes.isEmpty {
                if negativeZero { out.append(0x80) }
                return
            }
            if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
            if value.isNegative { bytes[0] |= 0x80 }
            bytes.withUnsafeBytes { out.appendBytes($0) }
            return
        }
        let magnitude = v.magnitude
        if magnitude == 0 {
            if negativeZero { out.append(0x80) }
            return
        }
        let start = out.count
        // A magnitude whose top bit is set needs a leading zero byte for the sign.
        if magnitude.leadingZeroBitCount % 8 == 0 { out.append(0) }
        appendMagnitude(magnitude, to: &out)
        if v < 0 { out.setBits(0x80, at: start) }
    }

    static func decimal<Out: HashBytes>(_ d: IonDecimal, to out: inout Out) {
        if d.exponent == 0 && d.coefficient.isZero && !d.isNegativeZero { return }
        appendVarInt(d.exponent, to: &out)
        appendSignedMagnitude(d.coefficient, negativeZero: d.isNegativeZero, to: &out)
    }

    static func timestamp<Out: HashBytes>(_ t: IonTimestamp, to out: inout Out) {
        if let offset = t.offsetMinutes {
            appendVarInt(offset, to: &out)
        } else {
            out.append(0xC0)
        }
        let utc = t.utcFields
        appendVarUInt(UInt64(utc.year), to: &out)
        guard t.precision >= .month else { return }
        appendVarUInt(UInt64(utc.month), to: &out)
        guard t.precision >= .day else { return }
        appendVarUInt(UInt64(utc.day), to: &out)
        guard t.precision >= .minute else { return }
        appendVarUInt(UInt64(utc.hour), to: &out)
        appendVarUInt(UInt64(utc.minute), to: &out)
        guard t.precision >= .second else { return }
        appendVarUInt(UInt64(t.second), to: &out)
        // A zero fraction with a non-negative exponent adds no precision.
        if let fraction = t.fraction, fraction.exponent < 0 {
            appendVarInt(fraction.exponent, to: &out)
            if !fraction.coefficient.isZero {
                appendSignedMagnitude(fraction.coefficient, to: &out)
            }
        }
    }

    static func float<Out: HashBytes>(_ d: Double, to out: inout Out) {
        if d == 0 && d.sign == .plus { return }
        let bits = d.isNaN ? 0x7FF8_0000_0000_0000 : d.bitPattern
        var shift = 56
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
            shift -= 8
        }
    }
}
