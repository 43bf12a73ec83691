import Foundation
import LMDB

/// The state on disk, in LMDB: documents, every revision, tables, index
/// entries, block summaries and the journal Merkle tree's nodes, with the
/// counters and the checkpoint (the block count; the last block's hash is its
/// summary's). It is derived from the journal and checked against it at open
/// (`Ledger.open`): commits are not fsynced on their own (`noSync`); `sync()`
/// flushes them when the journal syncs, and a store found behind the journal
/// replays the difference, one ahead of it or unreadable is rebuilt.
///
/// Reads: `view` is a read transaction renewed after every apply, for the
/// ledger's thread; `snapshot()` is a read transaction of its own that a
/// statement may hold on another thread (LMDB's MVCC: it never blocks the
/// writer). A read that fails (a corrupt page) stops the process rather than
/// serve a wrong answer; the next open rebuilds the store.
final class LMDBStateStore: StateStore {
    struct Databases {
        let meta, tables, tableCounters, heads, revisions, tableDocuments, indexes, blocks, merkle: Database

        init(_ env: Environment) throws {
            meta = try env.openDatabase("meta")
            tables = try env.openDatabase("tables")
            tableCounters = try env.openDatabase("tableCounters")
            heads = try env.openDatabase("heads")
            revisions = try env.openDatabase("revisions")
            tableDocuments = try env.openDatabase("tableDocuments")
            indexes = try env.openDatabase("indexes")
            blocks = try env.openDatabase("blocks")
            merkle = try env.openDatabase("merkle")
        }

        var all: [Database] { [meta, tables, tableCounters, heads, revisions, tableDocuments, indexes, blocks, merkle] }
    }

    let directory: String
    let marker: StoreSyncMarker
    /// Why the store was emptied at open, to be rebuilt from the journal: it
    /// may hold pages a system crash left half-written (it was being written,
    /// not synced, when the machine last went down), or it has another format.
    private(set) var emptiedAtOpen: String?
    private(set) var env: Environment
    private(set) var dbs: Databases
    var current: LMDBStateView
    /// An open batch (`beginBatch`): applies write into it until `flush`.
    var batch: WriteBatch?
    /// The open batch's counters and table records, written at `flush` (empty outside a batch).
    var batchRecords = LMDBStateWriter.Pending()
    /// Decoded catalog rows as of `current`, shared by it and the writer.
    let rows: TableRowCache
    /// Pages in the data file's page cache ahead of its end (`FileTailWarmer`).
    var tailWarmer: FileTailWarmer
    static let compactKey = Array("compactPending".utf8)

    static var environmentOptions: Environment.Options {
        var options = Environment.Options()
        options.durability = .noSync
        options.mapSize = 1 << 34
        return options
    }

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let options = LMDBStateStore.environmentOptions
        self.directory = directory
        tailWarmer = FileTailWarmer(path: directory + "/data.mdb")
        marker = StoreSyncMarker(path: directory + "/synced")
        var emptied: String?
        if marker.wasDirtyInAnotherBoot {
            emptied = "it was being written when the machine went down"
            // Never read pages a system crash may have torn: start empty, rebuild from the journal.
            for file in ["data.mdb", "lock.mdb"] { try? FileManager.default.removeItem(atPath: directory + "/" + file) }
            try marker.markClean()
        }
        let env = try Environment(path: directory, options: options)
        let dbs = try Databases(env)
        let formatKey = Array("format".utf8)
        try env.write { txn in
            let format = try txn.get(dbs.meta, formatKey).flatMap { Key.readInt64($0) }
            if let format, format != LMDBStateLayout.format {
                // Written by another version: derived data, so rebuilt from the journal.
                for db in dbs.all { try txn.clear(db) }
                emptied = "it has format \(format), not \(LMDBStateLayout.format)"
            }
            if format != LMDBStateLayout.format { try txn.put(dbs.meta, formatKey, Key.int64(LMDBStateLayout.format)) }
        }
        self.env = env
        self.dbs = dbs
        emptiedAtOpen = emptied
        let rows = TableRowCache()
        self.rows = rows
        current = try LMDBStateView(env.beginRead(), dbs, rows: rows)
        if try current.txn.get(dbs.meta, LMDBStateStore.compactKey) != nil { try compact() }
    }

    var view: any StateView { current }

    func snapshot() -> any StateView {
        precondition(batch == nil, "state store: flush the batch before taking a snapshot")
        do {
            return try LMDBStateView(env.beginRead(), dbs, rows: nil)
        } catch {
            preconditionFailure("state store: cannot begin a read transaction: \(error)")
        }
    }

    func apply(_ block: Block) throws {
        if let batch { return try apply(block, in: batch) }
        current.end()
        defer { renew() }
        try marker.markDirty()
        let redacts = !((try? block.redactions()) ?? []).isEmpty
        do {
            try env.write { txn in
                var writer = LMDBStateWriter(txn: txn, dbs: dbs, rows: rows)
                try writer.apply(block)
                writer.finish()
                if let failure = writer.failure { throw failure }
                // LMDB copies a page on write and keeps the old one as free space: the redacted
                // data stays in the file until a compacting copy drops every free page.
                if redacts { try txn.put(dbs.meta, LMDBStateStore.compactKey, [1]) }
            }
        } catch {
            rows.clear()   // it may hold a row the aborted transaction wrote
            throw error
        }
        if redacts { compactionPending = true }
        warmTail()
    }

    /// Tells the warmer how far the data file is used (after every commit).
    func warmTail() {
        guard let used = try? env.usedBytes() else { return }
        tailWarmer.writerReached(used)
    }

    var compactionPending = false

    /// Empties every database (before a rebuild from the journal).
    func reset() throws {
        try flush()
        current.end()
        rows.clear()
        defer { renew() }
        try env.write { txn in
            for db in dbs.all where db != dbs.meta { try txn.clear(db) }
            try txn.delete(dbs.meta, Array("counters".utf8))
            try txn.delete(dbs.meta, Array("tableOrder".utf8))
        }
    }

    /// Flushes committed applies to disk (called when the journal syncs).
    func sync(alongside journalSync: @escaping () throws -> Void) throws {
        try flush()
        guard marker.isDirty else { return try journalSync() }
        let journal = BackgroundWork<Void, Error>(journalSync)
        let stateSynced = Result { try env.sync(force: true) }
        try journal.wait()
        try stateSynced.get()
        try marker.markClean()
        if compactionPending { try compact() }
    }

    /// Replaces the data file by a compacting copy (live pages only), so that
    /// no redacted revision's data remains in the store's files. Needs every
    /// snapshot ended: with one open it is left pending for the next sync.
    func compact() throws {
        let copy = directory + "/compact.tmp"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        current.end()
        try env.copy(to: copy, compact: true)
        guard env.close() else {
            // A statement still reads a snapshot: the mark stays, the next sync tries again.
            renew()
            return
        }
        guard rename(copy + "/data.mdb", directory + "/data.mdb") == 0 else {
            throw LedgerDecodingError("state store: cannot replace data.mdb (errno \(errno))")
        }
        try? FileManager.default.removeItem(atPath: copy)
        tailWarmer.forget()   // a new, shorter file
        env = try Environment(path: directory, options: LMDBStateStore.environmentOptions)
        dbs = try Databases(env)
        try env.write { txn in _ = try txn.delete(dbs.meta, LMDBStateStore.compactKey) }
        try env.sync(force: true)
        compactionPending = false
        renew()
    }

    func close() {
        try? flush()
        try? sync(alongside: {})   // the journal is its owner's to sync
        current.end()
        _ = env.close()
    }

    func renew() {
        do {
            current = try LMDBStateView(env.beginRead(), dbs, rows: rows)
        } catch {
            preconditionFailure("state store: cannot begin a read transaction: \(error)")
        }
    }
}

/// Tables' catalog rows and the table order, decoded, as of the store's
/// latest state (they change only with DDL): saves decoding Ion at every
/// block. Used on the ledger's thread only (by `current` and the writer),
/// never by snapshots; emptied whenever a write transaction fails.
final class TableRowCache {
    private var rows: [String: TableState] = [:]
    var order: [String]?

    func row(_ id: String) -> TableState? { rows[id] }
    func set(_ table: TableState) { rows[table.id] = table }
    func clear() {
        rows = [:]
        order = nil
    }
}
