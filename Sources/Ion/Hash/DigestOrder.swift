/// A field digest waiting to be sorted, with its first eight bytes as a
/// big-endian key. The key, zero-padded when the digest is shorter, orders
/// two digests whenever the keys differ; equal keys compare the bytes whole.
struct SortEntry {
    let key: UInt64
    let bytes: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        if bytes.count >= 8 {
            key = UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self))
        } else {
            var key: UInt64 = 0
            for i in 0..<8 { key = key << 8 | UInt64(i < bytes.count ? bytes[i] : 0) }
            self.key = key
        }
    }

    /// Unsigned lexicographic order of the bytes.
    static func precedes(_ a: SortEntry, _ b: SortEntry) -> Bool {
        if a.key != b.key { return a.key < b.key }
        return lexicographicallyPrecedes(a.bytes, b.bytes)
    }

    /// The few fields of most structs sort fastest by insertion.
    static func insertionSort(_ entries: UnsafeMutableBufferPointer<SortEntry>) {
        guard entries.count > 1 else { return }
        for i in 1..<entries.count {
            let entry = entries[i]
            var j = i
            while j > 0 && precedes(entry, entries[j - 1]) {
                entries[j] = entries[j - 1]
                j -= 1
            }
            entries[j] = entry
        }
    }

    /// Eight bytes at a time (digests are 32 bytes).
    static func lexicographicallyPrecedes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let common = min(a.count, b.count)
        var i = 0
        while i + 8 <= common {
            let x = UInt64(bigEndian: a.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let y = UInt64(bigEndian: b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            if x != y { return x < y }
            i += 8
        }
        while i < common {
            if a[i] != b[i] { return a[i] < b[i] }
            i += 1
        }
        return a.count < b.count
    }
}

/// A growable stack of integers in memory it owns (where fields start).
final class IntStack {
    private var base: UnsafeMutablePointer<Int>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(4, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    func append(_ value: Int) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<Int>.allocate(capacity: capacity * 2)
            bigger.update(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }
        base[count] = value
        count += 1
    }

    subscript(index: Int) -> Int { base[index] }

    /// The integers from `start` to the top, in place.
    func withUnsafeBuffer<Result>(from start: Int, _ body: (UnsafeBufferPointer<Int>) -> Result) -> Result {
        body(UnsafeBufferPointer(start: base + start, count: count - start))
    }

    func truncate(to index: Int) { count = index }
}
