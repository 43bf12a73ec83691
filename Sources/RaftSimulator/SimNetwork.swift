import Raft

/// The simulated network: every message gets a random delay (so messages
/// reorder), and may be dropped or duplicated; partitions drop messages
/// between nodes in different groups at delivery time.
struct SimNetwork {
    struct Envelope {
        var deliverAt: Int
        /// Random tie-break among messages due at the same micro-step.
        var order: UInt64
        var message: Message
    }

    var inFlight: [Envelope] = []
    var dropRate = 0.0
    var duplicateRate = 0.0
    var maxDelay = 1
    /// Partition group of each node (by position); equal groups can talk.
    var group: [Int]

    init(nodeCount: Int) {
        group = Array(repeating: 0, count: nodeCount)
    }

    func connected(_ a: Int, _ b: Int) -> Bool { group[a] == group[b] }

    mutating func send(_ m: Message, now: Int, rng: inout SplitMix64) -> Bool {
        if rng.chance(dropRate) { return false }
        let copies = rng.chance(duplicateRate) ? 2 : 1
        for _ in 0..<copies {
            inFlight.append(Envelope(deliverAt: now + 1 + rng.int(below: maxDelay), order: rng.next(), message: m))
        }
        return true
    }

    /// Removes and returns the messages due at `now`, in delivery order.
    mutating func takeDue(now: Int) -> [Message] {
        var due: [Envelope] = []
        var i = 0
        while i < inFlight.count {
            if inFlight[i].deliverAt <= now {
                due.append(inFlight[i])
                inFlight.swapAt(i, inFlight.count - 1)
                inFlight.removeLast()
            } else {
                i += 1
            }
        }
        due.sort { ($0.deliverAt, $0.order) < ($1.deliverAt, $1.order) }
        return due.map(\.message)
    }

    mutating func heal() {
        for i in group.indices { group[i] = 0 }
    }
}
