import Dispatch

/// One piece of work started on another thread at once, and its outcome
/// collected with `wait()`: two fsyncs of different files (the journal's and
/// the state store's) overlap this way.
final class BackgroundWork: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written on the worker before `done` is signalled; read after the wait.
    private var outcome: Result<Void, Error> = .success(())
    private let work: () throws -> Void

    init(_ work: @escaping () throws -> Void) {
        self.work = work
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            outcome = Result { try self.work() }
            done.signal()
        }
    }

    /// Waits for the work to finish; rethrows its error. Call once.
    func wait() throws {
        done.wait()
        try outcome.get()
    }
}
