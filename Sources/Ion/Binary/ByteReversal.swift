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

    /// Writes `source` reversed into `target` (of the same size, not overlapping it).
    static func copyReversed(_ source: UnsafeRawBufferPointer, to target: UnsafeMutableRawBufferPointer) {
        precondition(target.count == source.count, "a reversed copy needs a target of the source's size")
        guard let from = source.baseAddress, let to = target.baseAddress else { return }
        let n = source.count
        var i = 0
        while i + 8 <= n {
            let word = from.loadUnaligned(fromByteOffset: n - i - 8, as: UInt64.self)
            to.storeBytes(of: word.byteSwapped, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < n {
            to.storeBytes(of: from.load(fromByteOffset: n - 1 - i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
            i += 1
        }
    }
}
