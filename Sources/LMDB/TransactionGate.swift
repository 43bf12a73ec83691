import Foundation

/// Counts this process's live transactions so that the two operations LMDB
/// leaves to the caller stay safe: `mdb_env_set_mapsize` (remaps the file;
/// only legal with no transaction active in the process) and `mdb_env_close`.
///
/// Transactions `enter` and `leave`; `exclusively` stops new ones, waits for
/// the live ones to end (up to a deadline) and runs its body alone. It also
/// remembers which thread holds the write transaction, to refuse a nested
/// `write` on that thread (LMDB's writer mutex would deadlock).
final class TransactionGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var active = 0
    private var exclusive = false
    private var closed = false
    private var writer: pthread_t?

    func enter() throws {
        condition.lock()
        defer { condition.unlock() }
        while exclusive { condition.wait() }
        if closed { throw LMDBError.misuse("the environment is closed") }
        active += 1
    }

    func leave() {
        condition.lock()
        active -= 1
        if active == 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Runs `body` once no transaction is active, holding new ones back.
    /// Returns nil if transactions were still active at `deadline`.
    func exclusively<R>(until deadline: Date, _ body: () throws -> R) throws -> R? {
        condition.lock()
        defer { condition.unlock() }
        while exclusive {
            if !condition.wait(until: deadline) { return nil }
        }
        if closed { throw LMDBError.misuse("the environment is closed") }
        exclusive = true
        defer { exclusive = false; condition.broadcast() }
        while active > 0 {
            if !condition.wait(until: deadline) && active > 0 { return nil }
        }
        return try body()
    }

    /// Marks the gate closed and runs `body` if no transaction is active.
    /// Returns false (and does nothing) if some are; true if closed already.
    func close(_ body: () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if closed { return true }
        if active > 0 { return false }
        closed = true
        body()
        condition.broadcast()
        return true
    }

    var activeTransactions: Int {
        condition.lock()
        defer { condition.unlock() }
        return active
    }

    /// Throws if the calling thread already holds the write transaction.
    func checkNotWriter() throws {
        condition.lock()
        defer { condition.unlock() }
        if let writer, pthread_equal(writer, pthread_self()) != 0 {
            throw LMDBError.misuse("a write transaction is already open on this thread")
        }
    }

    /// Records (or clears, with `false`) the calling thread as the writer.
    func setWriter(_ isWriter: Bool) {
        condition.lock()
        writer = isWriter ? pthread_self() : nil
        condition.unlock()
    }
}
