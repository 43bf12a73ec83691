import Raft

/// FNV-1a, 64 bit: the toy state machine's stand-in for the ledger digest.
enum FNV {
    static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    static func mix(_ h: UInt64, byte: UInt8) -> UInt64 {
        (h ^ UInt64(byte)) &* prime
    }

    static func mix(_ h: UInt64, _ value: UInt64) -> UInt64 {
        var h = h
        for shift in stride(from: 0, to: 64, by: 8) {
            h = mix(h, byte: UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
        return h
    }

    static func mix(_ h: UInt64, _ bytes: [UInt8]) -> UInt64 {
        var h = h
        for b in bytes { h = mix(h, byte: b) }
        return h
    }

    /// Identity of an entry's content (kind and data).
    static func content(_ e: Entry) -> UInt64 {
        mix(mix(offsetBasis, byte: e.kind.rawValue), e.data)
    }

    /// The chain after applying `e` on top of `previous`.
    static func chain(_ previous: UInt64, _ e: Entry) -> UInt64 {
        mix(mix(previous, e.index), content(e))
    }
}

/// Little-endian helpers for the toy payloads.
enum Bytes {
    static func encode(_ values: UInt64...) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(values.count * 8)
        for v in values {
            for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        }
        return out
    }

    static func decode(_ bytes: [UInt8], at offset: Int) -> UInt64? {
        guard bytes.count >= offset + 8 else { return nil }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << UInt64(8 * i) }
        return v
    }
}
