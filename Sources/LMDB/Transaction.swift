import CLMDB
import Foundation

/// What read and write transactions share: lookups and ordered scans.
/// Obtain one from `Environment.read`, `beginRead` or `write`.
///
/// Keys and values are any `ContiguousBytes` (`[UInt8]`, `Data`, ...). Keys
/// are 1 to 511 bytes and sort in byte order; see `Key` for encodings that
/// sort numbers and composite keys correctly.
public class Transaction {
    /// The environment, kept alive while the transaction lives.
    public let environment: Environment
    var handle: OpaquePointer?
    private var cursors: [ObjectIdentifier: WeakCursor] = [:]

    init(environment: Environment, handle: OpaquePointer) {
        self.environment = environment
        self.handle = handle
    }

    /// False once the transaction has committed, aborted or ended.
    public var isActive: Bool { handle != nil }

    /// The value stored under `key`, copied; nil if there is none. In a dupSort
    /// database, the first (smallest) value.
    public func get(_ db: Database, _ key: some ContiguousBytes) throws -> [UInt8]? {
        try withValue(db, key) { [UInt8]($0) }
    }

    /// Calls `body` with the value under `key` in place in the memory map (no
    /// copy) and returns its result; nil if there is no such key. The buffer
    /// is valid only inside `body`.
    public func withValue<R>(_ db: Database, _ key: some ContiguousBytes,
                             _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        let txn = try live(db)
        var value = MDB_val()
        let present = try withVal(key) { try found(mdb_get(txn, db.dbi, &$0, &value)) }
        return present ? try body(value.buffer) : nil
    }

    /// Entry and page counts of `db` as this transaction sees it.
    public func stat(_ db: Database) throws -> Database.Stat {
        let txn = try live(db)
        var stat = MDB_stat()
        try check(mdb_stat(txn, db.dbi, &stat))
        return Database.Stat(entries: stat.ms_entries, depth: Int(stat.ms_depth),
                             branchPages: stat.ms_branch_pages, leafPages: stat.ms_leaf_pages,
                             overflowPages: stat.ms_overflow_pages)
    }

    /// A cursor over `db` for step-by-step iteration; it is closed when the
    /// transaction ends, or earlier by `close()` or its last reference going.
    public func cursor(_ db: Database) throws -> Cursor {
        let txn = try live(db)
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &cursor))
        guard let cursor else { throw LMDBError.lmdb(code: ENOMEM) }
        let wrapper = Cursor(transaction: self, handle: cursor)
        cursors[ObjectIdentifier(wrapper)] = WeakCursor(wrapper)
        return wrapper
    }

    /// Visits the entries with `lower <= key < upper` in key order (or the
    /// reverse), without copying: `visit` gets key and value in place, valid
    /// only during the call, and returns false to stop. A nil bound is open.
    /// With `reverse`, the first entry visited is the greatest key below
    /// `upper` (e.g. the latest version of a record whose keys end in a
    /// big-endian version number).
    public func scan(_ db: Database, from lower: [UInt8]? = nil, below upper: [UInt8]? = nil,
                     reverse: Bool = false,
                     _ visit: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        let txn = try live(db)
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &cursor))
        defer { mdb_cursor_close(cursor) }
        var range = RangeCursor(txn: txn, dbi: db.dbi, cursor: cursor, lower: lower, upper: upper)
        var more = try reverse ? range.last() : range.first()
        while more, try visit(range.key.buffer, range.value.buffer) {
            more = try reverse ? range.previous() : range.next()
        }
    }

    /// Visits the entries whose key starts with `prefix`, as `scan(from:below:)`.
    public func scan(_ db: Database, prefix: [UInt8], reverse: Bool = false,
                     _ visit: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        try scan(db, from: prefix, below: Key.successor(ofPrefix: prefix), reverse: reverse, visit)
    }

    // MARK: internals

    /// The LMDB handle, or `.misuse` if the transaction has ended.
    func live() throws -> OpaquePointer {
        guard let handle else { throw LMDBError.misuse("the transaction has ended") }
        return handle
    }

    func live(_ db: Database) throws -> OpaquePointer {
        try environment.checkOwner(db)
        return try live()
    }

    func forget(_ cursor: Cursor) {
        cursors[ObjectIdentifier(cursor)] = nil
    }

    /// Closes the open cursors and hands back the LMDB handle for commit or
    /// abort; nil if the transaction has already finished.
    func finish() -> OpaquePointer? {
        guard let txn = handle else { return nil }
        for box in cursors.values { box.cursor?.close() }
        cursors = [:]
        handle = nil
        return txn
    }
}

private struct WeakCursor {
    weak var cursor: Cursor?
    init(_ cursor: Cursor) { self.cursor = cursor }
}

/// A raw cursor confined to `lower <= key < upper`; `key`/`value` hold the
/// current entry after a move that returned true.
private struct RangeCursor {
    let txn: OpaquePointer
    let dbi: MDB_dbi
    let cursor: OpaquePointer?
    let lower: [UInt8]?
    let upper: [UInt8]?
    var key = MDB_val()
    var value = MDB_val()

    init(txn: OpaquePointer, dbi: MDB_dbi, cursor: OpaquePointer?, lower: [UInt8]?, upper: [UInt8]?) {
        (self.txn, self.dbi, self.cursor, self.lower, self.upper) = (txn, dbi, cursor, lower, upper)
    }

    mutating func first() throws -> Bool {
        guard let lower else { return try move(MDB_FIRST) && inRange() }
        return try seek(lower) && inRange()
    }

    mutating func last() throws -> Bool {
        guard let upper else { return try move(MDB_LAST) && inRange() }
        // The greatest key below `upper`: step back from the first key at or
        // above it, or start from the very last key if there is none.
        return try (seek(upper) ? move(MDB_PREV) : move(MDB_LAST)) && inRange()
    }

    mutating func next() throws -> Bool { try move(MDB_NEXT) && inRange() }
    mutating func previous() throws -> Bool { try move(MDB_PREV) && inRange() }

    private mutating func move(_ op: MDB_cursor_op) throws -> Bool {
        try found(mdb_cursor_get(cursor, &key, &value, op))
    }

    private mutating func seek(_ target: [UInt8]) throws -> Bool {
        try withVal(target) { start in
            let ok = try found(mdb_cursor_get(cursor, &start, &value, MDB_SET_RANGE))
            if ok { key = start }
            return ok
        }
    }

    private mutating func inRange() -> Bool {
        if let lower, compare(lower) < 0 { return false }
        if let upper, compare(upper) >= 0 { return false }
        return true
    }

    /// The current key compared with `bound` by the database's own order.
    private mutating func compare(_ bound: [UInt8]) -> Int32 {
        withVal(bound) { mdb_cmp(txn, dbi, &key, &$0) }
    }
}
