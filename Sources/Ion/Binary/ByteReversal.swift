/// Reverses bytes in place eight at a time from both ends (`byteSwapped`
/// words), the middle under sixteen bytes one at a time: the binary encoder
/// writes back to front and reverses each stream once, and each string's
/// bytes as it copies them.
enum ByteReversal {
    static func reverse(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress else { return }
        let raw = UnsafeMutableRawPointer(base)
        var low = 0, high = buffer.count
        while high - low >= 16 {
            let a = raw.loadUnaligned(fromByteOffset: low, as: UInt64.self)
            let b = raw.loadUnaligned(fromByteOffset: high - 8, as: UInt64.self)
            raw.storeBytes(of: b.byteSwapped, toByteOffset: low, as: UInt64.self)
            raw.storeBytes(of: a.byteSwapped, toByteOffset: high - 8, as: UInt64.self)
            low += 8
            high -= 8
        }
        var middle = UnsafeMutableBufferPointer(rebasing: buffer[low..<high])
        middle.reverse()
    }
}
