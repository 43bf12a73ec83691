import CLMDB
import Foundation

/// Step-by-step iteration over one database, for callers that want to pull
/// entries lazily (`while let entry = try cursor.next() { ... }`) rather than
/// be called back by `Transaction.scan`. Every move copies the entry it lands
/// on; nil means there is none in that direction. A new cursor is unpositioned:
/// `next()` then starts at the first entry and `previous()` at the last.
///
/// A cursor belongs to its transaction's thread rules and ends with it; after
/// that, moves throw `.misuse`.
public final class Cursor {
    /// A key/value pair copied out of the map.
    public struct Entry: Sendable, Equatable {
        public var key: [UInt8]
        public var value: [UInt8]
    }

    private let transaction: Transaction
    private var handle: OpaquePointer?

    init(transaction: Transaction, handle: OpaquePointer) {
        self.transaction = transaction
        self.handle = handle
    }

    deinit { close() }

    public func first() throws -> Entry? { try move(MDB_FIRST) }
    public func last() throws -> Entry? { try move(MDB_LAST) }
    /// The next entry (in a dupSort database, the next value, then the next key).
    public func next() throws -> Entry? { try move(MDB_NEXT) }
    public func previous() throws -> Entry? { try move(MDB_PREV) }

    /// The first entry with a key equal to or greater than `key`.
    public func seek(atOrAfter key: some ContiguousBytes) throws -> Entry? {
        try move(MDB_SET_RANGE, key)
    }

    /// The last entry with a key equal to or less than `key` (in a dupSort
    /// database, the first value of an equal key).
    public func seek(atOrBefore key: some ContiguousBytes) throws -> Entry? {
        if let exact = try move(MDB_SET_KEY, key) { return exact }
        return try move(MDB_SET_RANGE, key) != nil ? move(MDB_PREV) : move(MDB_LAST)
    }

    /// The entry with exactly this key, or nil.
    public func seek(exactly key: some ContiguousBytes) throws -> Entry? {
        try move(MDB_SET_KEY, key)
    }

    /// Closes the cursor now rather than when the transaction ends.
    public func close() {
        guard let handle else { return }
        mdb_cursor_close(handle)
        self.handle = nil
        transaction.forget(self)
    }

    private func move(_ op: MDB_cursor_op) throws -> Entry? {
        var key = MDB_val()
        return try move(op, &key)
    }

    private func move(_ op: MDB_cursor_op, _ target: some ContiguousBytes) throws -> Entry? {
        try withVal(target) { try move(op, &$0) }
    }

    private func move(_ op: MDB_cursor_op, _ key: inout MDB_val) throws -> Entry? {
        guard let handle, transaction.isActive else { throw LMDBError.misuse("the cursor's transaction has ended") }
        var value = MDB_val()
        guard try found(mdb_cursor_get(handle, &key, &value, op)) else { return nil }
        return Entry(key: key.bytes, value: value.bytes)
    }
}
