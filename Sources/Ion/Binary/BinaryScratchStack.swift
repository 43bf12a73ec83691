/// A stack the decoder collects container children on. Children of nested
/// containers are pushed above their parent's, and each finished container
/// MOVES its children into an exactly-sized array — no growth reallocations
/// per container and no retain/release of the moved elements. A plain
/// (non-copyable) struct, so access needs no dynamic exclusivity checks.
struct BinaryScratchStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        self.capacity = max(capacity, 1)
        base = UnsafeMutablePointer<Element>.allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Removes the elements pushed since `mark` and returns them in push order.
    mutating func pop(from mark: Int) -> [Element] {
        let n = count - mark
        guard n > 0 else { return [] }
        let source = base + mark
        let result = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            guard let target = buffer.baseAddress else { return }
            target.moveInitialize(from: source, count: n)
            initialized = n
        }
        count = mark
        return result
    }
}
