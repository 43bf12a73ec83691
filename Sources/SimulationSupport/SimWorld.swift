import HeapModule
import Raft

/// Virtual time and the one queue of everything that happens in a simulated
/// cluster. Events at the same instant run in the order they were scheduled,
/// so a run is a pure function of its seed.
public final class SimWorld {
    public private(set) var now: Double = 0
    public var rng: SplitMix64
    private var queue = Heap<Event>()
    private var nextSeq: UInt64 = 0
    /// Runs after every event (a checker looking at every state the cluster passes through).
    public var afterEvent: (() -> Void)?

    struct Event: Comparable {
        var time: Double
        var seq: UInt64
        var action: () -> Void
        static func < (a: Event, b: Event) -> Bool { a.time < b.time || (a.time == b.time && a.seq < b.seq) }
        static func == (a: Event, b: Event) -> Bool { a.time == b.time && a.seq == b.seq }
    }

    public init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    /// Whether a seed's followers write their logs on their loops: half the
    /// seeds, drawn apart from the world's stream, so a seed that writes on the
    /// pool replays exactly the run it made before the choice existed.
    public static func writesOnLoop(seed: UInt64) -> Bool {
        var mix = SplitMix64(seed: seed ^ 0x5EED_F011_0EE5_100B)
        return mix.next() & 1 == 1
    }

    public func after(_ delay: Double, _ action: @escaping () -> Void) {
        precondition(delay >= 0, "events are never scheduled in the past")
        queue.insert(Event(time: now + delay, seq: nextSeq, action: action))
        nextSeq += 1
    }

    /// Runs every event due up to `time`, then sets the clock to it.
    public func run(until time: Double) {
        while let next = queue.min, next.time <= time {
            let e = queue.removeMin()
            assert(e.time >= now, "time never runs backwards")
            now = e.time
            e.action()
            afterEvent?()
        }
        now = max(now, time)
    }

    public var pendingEvents: Int { queue.count }

    // Seeded choices.
    public func chance(_ p: Double) -> Bool { p > 0 && Double(rng.next() >> 11) / Double(1 << 53) < p }
    public func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * Double(rng.next() >> 11) / Double(1 << 53) }
    public func int(below n: Int) -> Int { Int(rng.next() % UInt64(n)) }
}
