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
        out.appendBigEndian(value, count: (64 - value.leadingZeroBitCount + 7) / 8)
    }

    /// The 7-bit groups of `value`, least significant in the low byte, for
    /// `count` ≤ 8 groups: VarUInt and VarInt bytes formed in a word and written at once.
    @inline(__always)
    private static func groups(_ value: UInt64, count: Int) -> UInt64 {
        var word: UInt64 = 0
        for k in 0..<count { word |= (value >> UInt64(7 * k) & 0x7F) << UInt64(8 * k) }
        return word
    }

    /// VarUInt: seven bits a byte, most significant first, end flag in bit 7 of the last.
    static func appendVarUInt<Out: HashBytes>(_ value: UInt64, to out: inout Out) {
        var count = (max(1, 64 - value.leadingZeroBitCount) + 6) / 7
        if count <= 8 {
            out.appendBigEndian(groups(value, count: count) | 0x80, count: count)
            return
        }
        while count > 1 {   // values of 2^56 and more
            count -= 1
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(7 * count)) & 0x7F)
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
        if count <= 8 {
            let sign: UInt64 = negative ? 0x40 << UInt64(8 * (count - 1)) : 0
            out.appendBigEndian(groups(magnitude, count: count) | sign | 0x80, count: count)
            return
        }
        var shift = (count - 1) * 7   // magnitudes of 2^55 and more
        var first = UInt8(truncatingIfNeeded: magnitude >> UInt64(shift)) & 0x3F
        if negative { first |= 0x40 }
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
        // A magnitude whose top bit is set needs a leading zero byte for the sign.
        let count = (64 - magnitude.leadingZeroBitCount + 7) / 8 + (magnitude.leadingZeroBitCount % 8 == 0 ? 1 : 0)
        if count <= 8 {
            out.appendBigEndian(magnitude | (v < 0 ? 1 << UInt64(8 * count - 1) : 0), count: count)
            return
        }
        let start = out.count   // Int64.min: nine bytes
        out.append(0)
        appendMagnitude(magnitude, to: &out)
        if v < 0 { out.setBits(0x80, at: start) }
    }

    static func decimal<Out: HashBytes>(_ d: IonDecimal, to out: inout Out) {
        if d.exponent == 0 && d.coefficient.isZero && !d.isNegativeZero { return }
        appendVarInt(d.exponent, to: &out)
        appendSignedMagnitude(d.coefficient, negativeZero: d.isNegativeZero, to: &out)
    }

    static func timestamp<Out: HashBytes>(_ t: IonTimestamp, to out: inout Out) {
        // Most ledger timestamps: to the second or finer, a known offset under an hour,
        // a four-digit year: the offset and the six fields are one byte each (the year
        // two), written as one word.
        if t.precision >= .second, let offset = t.offsetMinutes, (-63...63).contains(offset) {
            let utc = t.utcFields
            if (128..<16384).contains(utc.year), (utc.month | utc.day | utc.hour | utc.minute | t.second) & ~0x7F == 0 {
                var word = UInt64(offset < 0 ? 0xC0 | -offset : 0x80 | offset) << 56
                word |= UInt64(utc.year >> 7) << 48 | UInt64(0x80 | utc.year & 0x7F) << 40
                word |= UInt64(0x80 | utc.month) << 32 | UInt64(0x80 | utc.day) << 24
                word |= UInt64(0x80 | utc.hour) << 16 | UInt64(0x80 | utc.minute) << 8 | UInt64(0x80 | t.second)
                out.appendBigEndian(word, count: 8)
                appendFraction(of: t, to: &out)
                return
            }
        }
        timestampFieldByField(t, to: &out)
    }

    /// Each field a VarUInt of its own (the offset a VarInt), as the format defines them.
    static func timestampFieldByField<Out: HashBytes>(_ t: IonTimestamp, to out: inout Out) {
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
        appendFraction(of: t, to: &out)
    }

    private static func appendFraction<Out: HashBytes>(of t: IonTimestamp, to out: inout Out) {
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
        out.appendBigEndian(d.isNaN ? 0x7FF8_0000_0000_0000 : d.bitPattern, count: 8)
    }
}
