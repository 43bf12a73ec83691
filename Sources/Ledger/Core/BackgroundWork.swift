import Dispatch

/// One piece of work started on a global queue at once, its outcome collected
/// with `wait()` (any number of times, on one thread). Two fsyncs of different
/// files overlap this way (`LMDBStateStore.sync`), and the next step's hash
/// checks run beside this step's applies (`Ledger.admitInSteps`).
final class BackgroundWork<Value, Failure: Error>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let work: () throws(Failure) -> Value
    /// Written on the worker before `done` is signalled; read only after the wait.
    private var outcome: Result<Value, Failure>?
    /// The waiting thread's own: `done` is waited on once.
    private var waited = false

    init(_ work: @escaping () throws(Failure) -> Value) {
        self.work = work
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            do throws(Failure) {
                outcome = .success(try self.work())
            } catch {
                outcome = .failure(error)
            }
            done.signal()
        }
    }

    /// Waits for the work to finish; its value, or its error thrown.
    func wait() throws(Failure) -> Value {
        if !waited {
            done.wait()
            waited = true
        }
        return try outcome!.get()
    }
}
