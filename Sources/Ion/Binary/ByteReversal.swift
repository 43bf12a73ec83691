/// Reversed copies eight bytes at a time (`byteSwapped` words): the binary
/// encoder writes back to front, so it copies each string onto its stack
/// reversed, and the finished stream off it reversed.
enum ByteReversal {
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
