/// The "representation" bytes Ion Hash serializes for each scalar: the Ion
/// binary encoding of the value without its type descriptor or length.
enum HashRepresentation {
    @inline(__always)
    static func needsEscape(_ b: UInt8) -> Bool { b == 0x0B || b == 0x0E || b == 0x0C }

    /// Big-endian magnitude with no leading zero bytes (nothing for 0).
    static func appendMagnitude(_ value: UInt64, to out: inout [UInt8]) {
        guard value != 0 else { return }
        var shift = (64 - value.leadingZeroBitCount + 7) / 8 * 8
        while shift > 0 {
            shift -= 8
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    static func appendVarUInt(_ value: UInt64, to out: inout [UInt8]) {
        var groups: [UInt8] = [UInt8(value & 0x7F) | 0x80]
        var rest = value >> 7
        while rest != 0 {
            groups.append(UInt8(rest & 0x7F))
            rest >>= 7
        }
        out.append(contentsOf: groups.reversed())
    }

    /// VarInt: sign in bit 6 of the first byte, end flag in bit 7 of the last.
    static func appendVarInt(_ value: Int, negativeZero: Bool = false, to out: inout [UInt8]) {
        let negative = value < 0 || negativeZero
        var magnitude = value.magnitude
        var groups: [UInt8] = []
        groups.append(UInt8(magnitude & 0x7F))
        magnitude >>= 7
        while magnitude != 0 {
            groups.append(UInt8(magnitude & 0x7F))
            magnitude >>= 7
        }
        // The first (most significant) group has only 6 bits for magnitude.
        if groups[groups.count - 1] & 0x40 != 0 { groups.append(0) }
        groups[0] |= 0x80
        if negative { groups[groups.count - 1] |= 0x40 }
        out.append(contentsOf: groups.reversed())
    }

    /// Signed-magnitude Int: big-endian magnitude with the sign in the top bit.
    static func appendSignedMagnitude(_ value: IonInt, negativeZero: Bool = false, to out: inout [UInt8]) {
        var bytes = value.magnitudeBytes
        if bytes.isEmpty {
            if negativeZero { out.append(0x80) }
            return
        }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        if value.isNegative { bytes[0] |= 0x80 }
        out.append(contentsOf: bytes)
    }

    static func decimal(_ d: IonDecimal, to out: inout [UInt8]) {
        if d.exponent == 0 && d.coefficient.isZero && !d.isNegativeZero { return }
        appendVarInt(d.exponent, to: &out)
        appendSignedMagnitude(d.coefficient, negativeZero: d.isNegativeZero, to: &out)
    }

    static func timestamp(_ t: IonTimestamp, to out: inout [UInt8]) {
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

    static func float(_ d: Double, to out: inout [UInt8]) {
        if d == 0 && d.sign == .plus { return }
        let bits = d.isNaN ? 0x7FF8_0000_0000_0000 : d.bitPattern
        var shift = 56
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
            shift -= 8
        }
    }
}
