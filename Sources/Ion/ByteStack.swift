/// A growable byte stack: appends are plain copies into memory it owns, with
/// none of an array's uniqueness checks and generic range replacement on each
/// append and cut (together ≈ 10 % of hashing a document with arrays, and
/// more of encoding one). Ion Hash serializes into one; the binary encoder
/// writes its reversed stream into one.
final class ByteStack {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func reserve(_ extra: Int) {
        if count + extra > capacity { grow(to: count + extra) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = newCapacity
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ first: UInt8, _ second: UInt8) {
        reserve(2)
        base[count] = first
        base[count + 1] = second
        count += 2
    }

    func appendBytes(_ bytes: UnsafeRawBufferPointer) {
        guard let from = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        (base + count).update(from: from.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }

    func setBits(_ bits: UInt8, at index: Int) { base[index] |= bits }

    /// The low `n` (1–8) bytes of `value`, most significant first, with one
    /// eight-byte store (the bytes past the `n` are room, not content).
    @inline(__always)
    func appendBigEndian(_ value: UInt64, count n: Int) {
        assert(n >= 1 && n <= 8)
        reserve(8)
        UnsafeMutableRawPointer(base + count).storeBytes(of: (value << UInt64(64 - 8 * n)).bigEndian, as: UInt64.self)
        count += n
    }

    /// Room for `n` bytes at the end, filled by `body`, which returns how many it wrote.
    func appendUninitialized(upTo n: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(n)
        count += body(base + count)
    }

    /// Drops everything from `index` on.
    func truncate(to index: Int) { count = index }

    func bytes(from start: Int = 0, to end: Int? = nil) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + start, count: (end ?? count) - start)
    }

    subscript(index: Int) -> UInt8 {
        get { base[index] }
        set { base[index] = newValue }
    }

    /// A stack holding the same bytes (for a copy about to be written to).
    func copy() -> ByteStack {
        let other = ByteStack(capacity: capacity)
        other.appendBytes(bytes())
        return other
    }
}
