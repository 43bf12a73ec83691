/// The one byte writer and reader of the binary formats: big-endian integers
/// (the Raft log, peer frames, catch-up, forwarded requests), little-endian
/// ones (journal segments, their index and `synced` files), LEB128 varints and
/// length-prefixed blobs. The reader is bounds-checked: an overrun throws.
public struct ByteWriter {
    public init() {}
    /// Room for `capacity` bytes up front: no regrowth for a record of about that size.
    public init(capacity: Int) { bytes.reserveCapacity(capacity) }
    public var bytes: [UInt8] = []
    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    // Integers go in with one copy each: a byte at a time, every append checks capacity and uniqueness.
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    /// LEB128 unsigned varint.
    public mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    public mutating func blob(_ b: [UInt8]) { varint(UInt64(b.count)); bytes.append(contentsOf: b) }
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    public mutating func u32le(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u64le(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
}

public struct ByteReaderError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

/// Bounds-checked reader: every overrun throws, nothing traps.
public struct ByteReader {
    public let bytes: [UInt8]
    public var pos: Int
    public let end: Int

    public init(_ bytes: [UInt8], from: Int = 0, to: Int? = nil) {
        self.bytes = bytes
        self.pos = from
        self.end = to ?? bytes.count
    }

    public var remaining: Int { end - pos }
    public var isAtEnd: Bool { pos >= end }

    public mutating func need(_ n: Int) throws {
        if n < 0 || n > end - pos { throw ByteReaderError(description: "truncated: need \(n) bytes at \(pos), have \(end - pos)") }
    }
    public mutating func u8() throws -> UInt8 { try need(1); defer { pos += 1 }; return bytes[pos] }
    public mutating func u32() throws -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[pos + i]) }
        pos += 4
        return v
    }
    public mutating func u64() throws -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[pos + i]) }
        pos += 8
        return v
    }
    public mutating func u32le() throws -> UInt32 {
        try need(4)
        var v: UInt32 = 0
        for i in (0..<4).reversed() { v = v << 8 | UInt32(bytes[pos + i]) }
        pos += 4
        return v
    }
    public mutating func u64le() throws -> UInt64 {
        try need(8)
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = v << 8 | UInt64(bytes[pos + i]) }
        pos += 8
        return v
    }
    public mutating func varint() throws -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift == 63 && b > 1 { throw ByteReaderError(description: "varint overflow") }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
            if shift > 63 { throw ByteReaderError(description: "varint too long") }
        }
    }
    public mutating func raw(_ n: Int) throws -> [UInt8] {
        try need(n)
        defer { pos += n }
        return Array(bytes[pos..<pos + n])
    }
    public mutating func blob(max: Int = Int.max) throws -> [UInt8] {
        let n = try varint()
        guard n <= UInt64(min(max, remaining)) else { throw ByteReaderError(description: "length \(n) exceeds the \(remaining) bytes left") }
        return try raw(Int(n))
    }
}
