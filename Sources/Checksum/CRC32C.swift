import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI,
/// ext4 and LevelDB: the processor's `crc32` instruction where it has one
/// (x86-64 SSE4.2), else slicing-by-8 in plain Swift. `checksum("123456789") == 0xE3069283`.
public enum CRC32C {
    /// Whether `checksum` uses the processor's instruction.
    public static let usesHardware = tally_crc32c_hardware() != 0

    static let polynomial: UInt32 = 0x82F6_3B78

    /// 8 tables of 256 entries: table k maps a byte to its CRC contribution k bytes further on.
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 {
                c = (c & 1) != 0 ? (c >> 1) ^ polynomial : c >> 1
            }
            t[i] = c
        }
        for k in 1..<8 {
            for i in 0..<256 {
                let prev = t[(k - 1) * 256 + i]
                t[k * 256 + i] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()

    /// CRC-32C of `bytes`. To checksum data in pieces, pass the previous result
    /// as `continuing`: `checksum(b, continuing: checksum(a)) == checksum(a ‖ b)`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        guard let p = bytes.baseAddress, bytes.count > 0 else { return previous }
        if usesHardware { return ~tally_crc32c_update(~previous, p, bytes.count) }
        return software(bytes, continuing: previous)
    }

    /// The portable path of `checksum`.
    static func software(_ bytes: UnsafeRawBufferPointer, continuing previous: UInt32 = 0) -> UInt32 {
        var crc = ~previous
        guard var p = bytes.baseAddress, bytes.count > 0 else { return previous }
        var n = bytes.count
        tables.withUnsafeBufferPointer { tp in
            let t = tp.baseAddress!
            while n >= 8 {
                let word = p.loadUnaligned(as: UInt64.self).littleEndian
                let lo = UInt32(truncatingIfNeeded: word) ^ crc
                let hi = UInt32(truncatingIfNeeded: word >> 32)
                crc = t[7 * 256 + Int(lo & 0xFF)]
                    ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)]
                    ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)]
                    ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)]
                    ^ t[Int(hi >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                let byte = p.load(as: UInt8.self)
                crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
                p += 1
                n -= 1
            }
        }
        return ~crc
    }

    public static func checksum(_ bytes: [UInt8], continuing previous: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: previous) }
    }

    public static func checksum(_ bytes: ArraySlice<UInt8>, continuing previous: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: previous) }
    }
}
