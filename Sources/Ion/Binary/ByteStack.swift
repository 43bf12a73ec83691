/// Bytes written back to front (`BinaryEncoder`) into memory the stack owns:
/// an append is a capacity check and a store, without the uniqueness check
/// and bookkeeping an `Array` append makes for every byte.
struct ByteStack: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if count + bytes.count > capacity { grow(to: count + bytes.count) }
        if let source = bytes.baseAddress { (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
        count += bytes.count
    }

    subscript(index: Int) -> UInt8 {
        get {
            precondition(index >= 0 && index < count, "ByteStack index \(index) of \(count)")
            return base[index]
        }
        set {
            precondition(index >= 0 && index < count, "ByteStack index \(index) of \(count)")
            base[index] = newValue
        }
    }

    /// Reverses the bytes from `mark` to the end (a field appended in reading order).
    mutating func reverseTail(from mark: Int) {
        var tail = UnsafeMutableBufferPointer(start: base + mark, count: count - mark)
        tail.reverse()
    }

    /// Everything written, in reading order (the reverse of the writing order).
    func readingOrder() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { out, n in
            for i in 0..<count { out[i] = base[count - 1 - i] }
            n = count
        }
    }

    private mutating func grow(to needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}
