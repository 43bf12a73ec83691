import Foundation
import Ion
import XCTest
@testable import Ledger

/// `Ledger.beginBatch` / `flushBatch` on the LMDB state store: the ledger's
/// reads see a batch's blocks before the flush; the result (state, digest,
/// proofs) equals applying block by block; a reopen after the flush starts
/// from the batch's checkpoint; one after a close without flush too (close flushes).
final class LedgerBatchTests: XCTestCase {
    func directory() -> String { temporaryPath("tally-batch") }

    func openLedger(_ dir: String?, store: JournalStore, clock: FakeClock) throws -> Ledger {
        try Ledger.open(store: store, options: Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 5)), clock: { clock.now },
                                                              stateDirectory: dir.map { $0 + "/state" }))
    }

    /// Table, index, then inserts and updates of the same documents inside the batch.
    func load(_ ledger: Ledger, clock: FakeClock, batched: Bool) throws {
        try ledger.run { tx in
            _ = try tx.createTable(name: "T", tags: [])
            _ = try tx.createIndex(table: "T", field: "k")
        }
        if batched { try ledger.beginBatch() }
        var ids: [String] = []
        for i in 0..<60 {
            clock.advance(1)
            try ledger.run { tx in ids.append(try tx.insert(table: "T", document: doc(("k", .int(i))))) }
            // Read back inside the batch, through a transaction (the index) and the view.
            XCTAssertEqual(try ledger.begin().lookup(table: "T", field: "k", value: .int(i)).count, 1)
            if i % 3 == 0 {
                try ledger.run { tx in try tx.update(table: "T", id: ids[i / 2], document: doc(("k", .int(1000 + i)))) }
            }
            if batched && i % 25 == 24 {
                try ledger.flushBatch()
                try ledger.beginBatch()
            }
        }
    }

    func testBatchedApplyEqualsBlockByBlock() throws {
        let dir = directory()
        let clockA = FakeClock()
        let storeA = MemoryJournalStore()
        let a = try openLedger(dir, store: storeA, clock: clockA)
        try load(a, clock: clockA, batched: true)
        let clockB = FakeClock()
        let b = try openLedger(nil, store: MemoryJournalStore(), clock: clockB)
        try load(b, clock: clockB, batched: false)
        XCTAssertEqual(try a.digest().digest, try b.digest().digest)   // read inside the open batch
        try a.flushBatch()
        XCTAssertEqual(try a.digest().digest, try b.digest().digest)
        XCTAssertEqual(a.blockCount, b.blockCount)
        let tip = try XCTUnwrap(a.tip)
        let seq = a.blockCount / 2
        let id = try XCTUnwrap(a.state.blockSummary(seq)?.documentIds.first)
        let address = BlockAddress(strandId: a.strandId, sequenceNo: seq)
        XCTAssertEqual(try a.revisionProof(blockAddress: address, documentId: id, tip: tip),
                       try b.revisionProof(blockAddress: address, documentId: id, tip: tip))
        let count = a.blockCount
        a.close()
        let reopened = try openLedger(dir, store: storeA, clock: clockA)
        XCTAssertEqual(reopened.openStats.fromCheckpoint, count)
        XCTAssertEqual(reopened.openStats.blocks, 0)
        XCTAssertEqual(try reopened.digest().digest, try b.digest().digest)
        reopened.close()
    }

    func testCloseFlushesAnOpenBatch() throws {
        let dir = directory()
        let clock = FakeClock()
        let store = MemoryJournalStore()
        let ledger = try openLedger(dir, store: store, clock: clock)
        try ledger.run { tx in _ = try tx.createTable(name: "T", tags: []) }
        try ledger.beginBatch()
        for i in 0..<10 { try ledger.run { tx in _ = try tx.insert(table: "T", document: doc(("k", .int(i)))) } }
        let digest = try ledger.digest().digest
        ledger.close()
        let reopened = try openLedger(dir, store: store, clock: clock)
        XCTAssertEqual(reopened.openStats.fromCheckpoint, 11)
        XCTAssertEqual(try reopened.digest().digest, digest)
        reopened.close()
    }
}
