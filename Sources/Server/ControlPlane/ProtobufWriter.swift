/// The few protocol-buffer encodings the KPL aggregation format needs:
/// varints and length-delimited fields (protobuf's wire types 0 and 2).
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Field `number` with wire type 0 (varint).
    mutating func field(_ number: Int, varint value: UInt64) {
        varint(UInt64(number) << 3)
        varint(value)
    }

    /// Field `number` with wire type 2 (length-delimited: bytes, string or a nested message).
    mutating func field(_ number: Int, bytes value: [UInt8]) {
        varint(UInt64(number) << 3 | 2)
        varint(UInt64(value.count))
        bytes += value
    }

    static func varintSize(_ value: Int) -> Int {
        var v = UInt64(value), n = 1
        while v >= 0x80 {
            v >>= 7
            n += 1
        }
        return n
    }

    /// The size of a length-delimited field of `length` bytes (field numbers below 16).
    static func fieldSize(length: Int) -> Int { 1 + varintSize(length) + length }
}
