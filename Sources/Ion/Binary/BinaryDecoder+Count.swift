extension BinaryDecoder {
    /// How many values (NOP pads aside) the container body from `pos` to
    /// `end` holds, read from their headers alone: the capacity of its array,
    /// so that it is allocated once instead of grown (each growth a new
    /// buffer, with the allocator asked for its size: a quarter of the decode).
    /// Never throws and never reads past `end`: at anything malformed it stops
    /// with the count so far, and the decode that follows reports the error.
    func countChildren(end: Int, fields: Bool) -> Int {
        var p = pos
        var count = 0
        while p < end {
            if fields {
                // The field name, a VarUInt: its last byte has the high bit set.
                while p < end && buf[p] & 0x80 == 0 { p += 1 }
                p += 1
                guard p < end else { break }
            }
            let descriptor = buf[p]
            p += 1
            let type = descriptor >> 4
            let lengthCode = descriptor & 0x0F
            let length: Int
            if lengthCode == 15 || type == 1 {
                length = 0   // a null, or a bool (its value is the length code)
            } else if lengthCode == 14 || (type == 13 && lengthCode == 1) {
                var value = 0
                while true {
                    // Leading zero bytes are allowed; a length this large cannot fit before `end`.
                    guard p < end, value < 1 << 48 else { return count }
                    let byte = buf[p]
                    p += 1
                    value = value << 7 | Int(byte & 0x7F)
                    if byte & 0x80 != 0 { break }
                }
                length = value
            } else {
                length = Int(lengthCode)
            }
            if type != 0 || lengthCode == 15 { count += 1 }
            guard length <= end - p else { break }
            p += length
        }
        return count
    }
}
