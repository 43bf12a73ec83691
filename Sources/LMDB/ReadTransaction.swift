import CLMDB

/// A read-only snapshot of the last commit before it began. It never sees
/// later commits and never blocks the writer.
///
/// It may be begun on one thread and used and ended on another (the
/// environment uses `MDB_NOTLS`), but it must not be used by two threads at
/// the same time: hand it over, do not share it. End it with `end()`; it also
/// ends when its last reference goes (cursors keep it alive). Values read
/// through it must not be used after it ends.
public final class ReadTransaction: Transaction, @unchecked Sendable {
    /// Ends the snapshot (`mdb_txn_abort`) and closes its cursors. Later calls
    /// on the transaction throw `.misuse`; calling `end()` again does nothing.
    public func end() {
        guard let txn = finish() else { return }
        mdb_txn_abort(txn)
        environment.gate.leave()
    }

    deinit { end() }
}
