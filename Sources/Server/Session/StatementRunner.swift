import Foundation
import Net
import PartiQL

/// Where statements that outgrow their slice of the event loop run: `work`
/// on another thread, then `then` back on the caller's thread (the loop).
/// Budgets of running work can be cancelled all at once (the node stops).
public protocol StatementRunner: AnyObject {
    func run<T>(_ budget: StatementBudget, _ work: @escaping () -> T, then: @escaping (T) -> Void)
    func cancelAll(_ reason: String)
}

/// Runs the work at once on the calling thread (unit tests, tools).
public final class InlineStatementRunner: StatementRunner {
    public init() {}
    public func run<T>(_ budget: StatementBudget, _ work: @escaping () -> T, then: @escaping (T) -> Void) {
        then(work())
    }
    public func cancelAll(_ reason: String) {}
}

/// A fixed pool of threads for long statements, answering on the node's loop.
/// The pool is small (statements are CPU-bound) and never shared with the
/// loop's own thread pool, so a few heavy queries cannot delay an fsync.
public final class PooledStatementRunner: StatementRunner, @unchecked Sendable {
    private let loop: EventLoop
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var running: [ObjectIdentifier: StatementBudget] = [:]
    private var stopped = false

    public init(loop: EventLoop, threads: Int) {
        self.loop = loop
        for i in 0..<max(1, threads) {
            let thread = Thread { [weak self] in self?.workLoop() }
            thread.name = "tally-statements-\(i)"
            thread.start()
        }
    }

    public func run<T>(_ budget: StatementBudget, _ work: @escaping () -> T, then: @escaping (T) -> Void) {
        condition.withLock {
            running[ObjectIdentifier(budget)] = budget
            jobs.append { [self] in
                let value = work()
                condition.withLock { _ = running.removeValue(forKey: ObjectIdentifier(budget)) }
                loop.execute { then(value) }
            }
            condition.signal()
        }
    }

    public func cancelAll(_ reason: String) {
        let budgets = condition.withLock { Array(running.values) }
        for b in budgets { b.cancel(reason) }
    }

    /// Stops the threads once the queued work is done (queued statements see their budgets cancelled).
    public func stop() {
        cancelAll("the node is stopping")
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    public var queued: Int { condition.withLock { jobs.count } }

    private func workLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopped { condition.wait() }
            if jobs.isEmpty && stopped {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
