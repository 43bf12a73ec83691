import Replica

/// One incarnation of a node's event loop in virtual time: when the node
/// crashes, `alive` turns false and nothing scheduled here runs any more.
public final class SimLoop: ReplicaLoop {
    public let world: SimWorld
    public let alive: () -> Bool
    /// Virtual seconds an fsync'ed write takes before its completion runs.
    public let diskLatency: () -> Double
    /// Called when a `blocking` write returns (it is durable then).
    public let blockingDone: () -> Void

    public init(world: SimWorld, alive: @escaping () -> Bool, diskLatency: @escaping () -> Double,
                blockingDone: @escaping () -> Void = {}) {
        self.world = world
        self.alive = alive
        self.diskLatency = diskLatency
        self.blockingDone = blockingDone
    }

    public func execute(_ body: @escaping () -> Void) {
        world.after(0) { [alive] in if alive() { body() } }
    }

    public func run<T>(_ body: @escaping () throws -> T) throws -> T { try body() }

    public func repeating(every interval: Duration, _ body: @escaping () -> Void) -> ReplicaTimer {
        let timer = SimTimer()
        let seconds = interval.clusterSeconds
        func arm() {
            world.after(seconds) { [alive] in
                guard alive(), !timer.cancelled else { return }
                body()
                arm()
            }
        }
        arm()
        return timer
    }

    /// The work (a Raft log write and fsync) happens now, on the real files;
    /// its completion runs after a simulated latency, if the node still lives.
    public func offload<T>(work: @escaping () -> T, then: @escaping (T) -> Void) {
        let result = work()
        world.after(diskLatency()) { [alive] in if alive() { then(result) } }
    }

    /// The work happens now and is durable at once (`blockingDone`): a disk
    /// that takes no virtual time, since the loop cannot be held in it. nil
    /// when the node crashed during or right after it.
    public func blocking<T>(_ work: () throws -> T) rethrows -> T? {
        let result = try work()
        guard alive() else { return nil }
        blockingDone()
        return result
    }

    public var monotonicNow: Double { world.now }
}

final class SimTimer: ReplicaTimer {
    var cancelled = false
    public func cancel() { cancelled = true }
}
