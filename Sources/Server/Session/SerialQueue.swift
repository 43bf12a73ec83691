import Foundation

/// Runs submitted operations one at a time, in submission order, where an
/// operation may finish asynchronously (it calls `done` when finished, on any
/// thread). Used to serialize the requests of one session: pyqldb's
/// read-ahead cursor sends FetchPage concurrently with other commands.
final class SerialQueue: @unchecked Sendable {
    typealias Operation = (_ done: @escaping () -> Void) -> Void

    private let lock = NSLock()
    private var pending: [Operation] = []
    private var head = 0
    private var running = false

    func submit(_ operation: @escaping Operation) {
        lock.lock()
        pending.append(operation)
        if running {
            lock.unlock()
            return
        }
        running = true
        lock.unlock()
        drain()
    }

    private func next() -> Operation? {
        lock.lock()
        defer { lock.unlock() }
        guard head < pending.count else {
            pending.removeAll(keepingCapacity: true)
            head = 0
            running = false
            return nil
        }
        let op = pending[head]
        head += 1
        return op
    }

    /// Runs operations on this thread until the queue is empty or one goes
    /// asynchronous; that one's `done` resumes draining on its thread.
    private func drain() {
        while let op = next() {
            let state = Completion()
            op { [self] in
                if finish(state) { drain() }
            }
            if returned(state) { return }
        }
    }

    /// Called by `done`; true when the operation already returned, so the
    /// caller must continue draining.
    private func finish(_ state: Completion) -> Bool {
        lock.withLock {
            precondition(!state.isDone, "SerialQueue operation completed twice")
            state.isDone = true
            return state.hasReturned
        }
    }

    /// Called after the operation returned; true when it is still running
    /// (asynchronously), so the drain loop must stop.
    private func returned(_ state: Completion) -> Bool {
        lock.withLock {
            state.hasReturned = true
            return !state.isDone
        }
    }

    /// One operation's progress, guarded by the queue's lock: it decides who
    /// continues the drain loop, the submitter (if `done` was called before the
    /// operation returned) or the `done` caller.
    private final class Completion: @unchecked Sendable {
        var isDone = false
        var hasReturned = false
    }
}
