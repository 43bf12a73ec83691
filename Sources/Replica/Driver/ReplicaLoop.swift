/// The thread a replica runs on, as the driver sees it: a libuv event loop in
/// a node (`Net.EventLoop`), a deterministic virtual-time scheduler in the
/// simulator. Everything a `RaftDriver` does happens in closures it hands here.
public protocol ReplicaLoop: AnyObject {
    /// Runs `body` later on the loop thread (after what is running now).
    func execute(_ body: @escaping () -> Void)
    /// Runs `body` on the loop thread and waits for its result (inline when
    /// already there). Setup and shutdown only.
    func run<T>(_ body: @escaping () throws -> T) throws -> T
    /// Runs `body` every `interval` on the loop thread until cancelled.
    func repeating(every interval: Duration, _ body: @escaping () -> Void) -> ReplicaTimer
    /// Runs `work` off the loop (blocking I/O such as fsync), then `then` with
    /// its result on the loop.
    func offload<T>(work: @escaping () -> T, then: @escaping (T) -> Void)
    /// Runs blocking `work` (a write and its fsync) on the loop thread, now:
    /// the loop waits for it. Durable when it returns. nil when the loop
    /// ended while it ran (a simulated crash): nothing more may happen.
    func blocking<T>(_ work: () throws -> T) rethrows -> T?
    /// Monotonic seconds: timeouts and stall detection. Virtual in the simulator.
    var monotonicNow: Double { get }
}

public protocol ReplicaTimer: AnyObject {
    func cancel()
}
