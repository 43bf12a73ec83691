/// The append messages sent to one follower and not yet acknowledged, as the
/// last index each carried, oldest first. Bounds pipelining: the leader stops
/// sending to a follower in replicate state while the window is full.
struct Inflights: Sendable {
    let capacity: Int
    private(set) var lastIndexes: [LogIndex] = []

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { lastIndexes.count }
    var isFull: Bool { lastIndexes.count >= capacity }

    mutating func add(_ lastIndex: LogIndex) {
        precondition(!isFull, "inflights full")
        precondition(lastIndexes.last.map { $0 <= lastIndex } ?? true, "inflights out of order")
        lastIndexes.append(lastIndex)
    }

    /// Frees every message whose last index is ≤ `index` (acknowledged).
    mutating func free(upTo index: LogIndex) {
        var n = 0
        while n < lastIndexes.count, lastIndexes[n] <= index { n += 1 }
        lastIndexes.removeFirst(n)
    }

    mutating func freeFirst() {
        if !lastIndexes.isEmpty { lastIndexes.removeFirst() }
    }

    mutating func reset() {
        lastIndexes.removeAll(keepingCapacity: true)
    }
}
