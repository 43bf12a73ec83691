import Prometheus

/// A Prometheus counter that mirrors a monotonic value kept elsewhere (Raft's
/// leader-change count, journal blocks, CPU seconds): each update adds the
/// difference since the last one. A value that goes down (the source
/// restarted) resets the counter, which Prometheus' `rate()` understands.
/// Callers serialize updates (TallyMetrics does so under its scrape lock).
final class MirroredCounter {
    let counter: Counter
    private var lastInt: Int64 = 0
    private var lastDouble: Double = 0

    init(_ counter: Counter) { self.counter = counter }

    func update(_ value: UInt64) {
        let v = Int64(clamping: value)
        if v < lastInt {
            counter.reset()
            counter.increment(by: v)
        } else if v > lastInt {
            counter.increment(by: v - lastInt)
        }
        lastInt = v
    }

    func update(_ value: Double) {
        if value < lastDouble {
            counter.reset()
            if value > 0 { counter.increment(by: value) }
        } else if value > lastDouble {
            counter.increment(by: value - lastDouble)
        }
        lastDouble = value
    }
}
