import Foundation
import LMDB

/// Batching: between `beginBatch()` and `flush()` every applied block writes
/// into one LMDB write transaction, committed at `flush()` — one set of page
/// writes for the whole batch instead of one per block (bulk loads). The
/// ledger's own reads (`view`) go through that transaction, so they see the
/// batch's blocks; `snapshot()` (another thread's view) is refused until the
/// flush. `sync()`, `reset()` and `close()` flush first. A block whose apply
/// fails leaves the batch unusable: it is aborted, dropping every block of it
/// from the store (the journal has them; the next open replays them), and the
/// error thrown — as for an unbatched apply, which the ledger treats as fatal.
/// The map cannot grow inside a batch, so a batch begins only with
/// `batchHeadroom` bytes of map to spare (the map is doubled first if need be).
extension LMDBStateStore {
    /// Map space a batch may use: far more than a batch of a few thousand blocks writes.
    static let batchHeadroom = 1 << 30

    var isBatching: Bool { batch != nil }

    func beginBatch() throws {
        guard batch == nil else { return }
        current.end()
        do {
            let info = try env.info()
            if info.mapSize - info.usedBytes < Self.batchHeadroom {
                try env.resize(to: max(info.mapSize * 2, info.usedBytes + 2 * Self.batchHeadroom))
            }
            try marker.markDirty()
            let b = try env.beginBatch()
            batch = b
            batchRecords = LMDBStateWriter.Pending()
            current = LMDBStateView(b.txn, dbs, rows: rows, pending: batchRecords)
        } catch {
            renew()
            throw error
        }
    }

    func apply(_ block: Block, in batch: WriteBatch) throws {
        // The counters and table records stay decoded for the whole batch (`flush` writes them).
        var writer = LMDBStateWriter(txn: batch.txn, dbs: dbs, rows: rows, pending: batchRecords)
        do {
            try writer.apply(block)
            if let failure = writer.failure { throw failure }
            if !((try? block.redactions()) ?? []).isEmpty {
                try batch.txn.put(dbs.meta, LMDBStateStore.compactKey, [1])
                compactionPending = true
            }
        } catch {
            discardBatch()
            throw error
        }
        current = LMDBStateView(batch.txn, dbs, rows: rows, pending: writer.pending)   // a fresh view: no cached table
    }

    /// Aborts the open batch, if any: none of its blocks reach the store.
    func discardBatch() {
        guard let b = batch else { return }
        batch = nil
        batchRecords = LMDBStateWriter.Pending()
        b.abort()
        rows.clear()
        renew()
    }

    /// Commits the open batch, if any.
    func flush() throws {
        guard let b = batch else { return }
        batch = nil
        defer { renew() }
        do {
            let writer = LMDBStateWriter(txn: b.txn, dbs: dbs, rows: rows, pending: batchRecords)
            batchRecords = LMDBStateWriter.Pending()
            writer.finish()
            if let failure = writer.failure {
                b.abort()
                throw failure
            }
            if let injected = Failpoints.beforeStateCommit(directory) {
                b.abort()
                throw POSIXError(POSIXErrorCode(rawValue: injected)!)
            }
            try b.commit()
            warmTail()
        } catch {
            rows.clear()
            throw error
        }
    }
}
