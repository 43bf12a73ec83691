import CLMDB
import Foundation

/// The environment's one write transaction, inside `Environment.write`. Its
/// writes are visible to its own reads at once and to others after commit.
/// Do not keep it past the closure: every call then throws `.misuse`.
public final class WriteTransaction: Transaction {
    /// Set when a write hit `MDB_MAP_FULL`: the transaction is then unusable
    /// and `Environment.write` retries it in a larger map even if the closure
    /// caught the error.
    private(set) var sawMapFull = false

    /// Stores `value` under `key`, replacing an existing value (in a dupSort
    /// database: adding to the key's values). Returns false, writing nothing,
    /// when `.noOverwrite` or `.noDuplicateData` finds the key or pair present.
    @discardableResult
    public func put(_ db: Database, _ key: some ContiguousBytes, _ value: some ContiguousBytes,
                    flags: PutFlags = []) throws -> Bool {
        let txn = try live(db)
        let rc = withVal(key) { key in withVal(value) { mdb_put(txn, db.dbi, &key, &$0, flags.rawValue) } }
        if rc == MDB_KEYEXIST && !flags.isDisjoint(with: [.noOverwrite, .noDuplicateData]) { return false }
        try written(rc)
        return true
    }

    /// Deletes `key` (in a dupSort database, with all its values). Returns
    /// false if it was not there.
    @discardableResult
    public func delete(_ db: Database, _ key: some ContiguousBytes) throws -> Bool {
        let txn = try live(db)
        return try written(withVal(key) { mdb_del(txn, db.dbi, &$0, nil) })
    }

    /// Deletes one key/value pair of a dupSort database. Returns false if it
    /// was not there.
    @discardableResult
    public func delete(_ db: Database, _ key: some ContiguousBytes, value: some ContiguousBytes) throws -> Bool {
        let txn = try live(db)
        return try written(withVal(key) { key in withVal(value) { mdb_del(txn, db.dbi, &key, &$0) } })
    }

    /// Deletes every entry of `db`, keeping the database (`mdb_drop`, del 0).
    public func clear(_ db: Database) throws {
        let txn = try live(db)
        try written(mdb_drop(txn, db.dbi, 0))
    }

    /// Checks a write's return code; `MDB_NOTFOUND` is false.
    @discardableResult
    private func written(_ rc: Int32) throws -> Bool {
        if rc == MDB_MAP_FULL { sawMapFull = true }
        return try found(rc)
    }

    func commit() throws {
        guard let txn = finish() else { throw LMDBError.misuse("the transaction has ended") }
        let rc = mdb_txn_commit(txn)
        if rc == MDB_MAP_FULL { sawMapFull = true }
        try check(rc)
    }

    func abort() {
        if let txn = finish() { mdb_txn_abort(txn) }
    }
}
