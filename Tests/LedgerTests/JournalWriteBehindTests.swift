import Foundation
import Ion
import XCTest
@testable import Ledger

/// `JournalWriteBehind`: a batch's journal records are encoded and appended on
/// a worker. The journal must hold exactly the records block-by-block applies
/// write, in order, whatever the batch sizes; reads and redactions inside a
/// batch see every block applied before them; a write that fails on the worker
/// stops the ledger with the state store's batch dropped, and a reopen goes on.
final class JournalWriteBehindTests: XCTestCase {
    override func tearDown() {
        Failpoints.disarm()
    }

    func directory() -> String { temporaryPath("tally-write-behind") }

    /// The seeded workload (DDL, inserts, updates, deletes, redactions) applied
    /// block by block on a memory journal: the reference, and its proposals.
    func reference(seed: UInt64, blocks: Int) throws -> (Ledger, [BlockProposal]) {
        let clock = FakeClock()
        let ledger = try makeLedger(seed: seed, store: MemoryJournalStore(), clock: clock)
        var workload = Workload(seed: seed)
        return (ledger, try workload.run(ledger, clock: clock, blocks: blocks))
    }

    func diskLedger(_ dir: String, strandId: String) throws -> (FileJournalStore, Ledger) {
        let journal = try FileJournalStore.open(directory: dir + "/journal")
        return (journal, try Ledger.open(store: journal, strandId: strandId,
                                         options: Ledger.Options(stateDirectory: dir + "/state")))
    }

    func testBatchesOfEverySizeWriteTheSameJournalAsBlockByBlock() throws {
        for seed: UInt64 in [3, 8] {
            let (source, proposals) = try reference(seed: seed, blocks: 400)
            let dir = directory()
            let (journal, ledger) = try diskLedger(dir, strandId: source.strandId)
            var rng = SeededGenerator(seed: seed)
            var next = 0
            var reads = 0
            while next < proposals.count {
                // 1 to 4 groups and a part: inline drains, full groups and a full queue.
                let size = 1 + Int(rng.next() % UInt64(4 * JournalWriteBehind.groupSize + 7))
                try ledger.beginBatch()
                for proposal in proposals[next..<min(next + size, proposals.count)] {
                    let block = try ledger.apply(proposal)
                    if rng.next() % 16 == 0 {
                        // A read of the block just applied settles the worker's appends first.
                        XCTAssertEqual(try ledger.journalRecord(sequenceNo: block.address.sequenceNo),
                                       try source.journalRecord(sequenceNo: block.address.sequenceNo))
                        XCTAssertEqual(try ledger.block(at: block.address).blockHash, block.blockHash)
                        reads += 1
                    }
                }
                try ledger.flushBatch()
                next += size
            }
            XCTAssertGreaterThan(reads, 10)
            XCTAssertEqual(journal.count, source.blockCount)
            for seq in 0..<source.blockCount {
                // Redactions erased inside a batch too (the erased record, byte for byte).
                XCTAssertEqual(try journal.read(seq), try source.journalRecord(sequenceNo: seq), "record \(seq), seed \(seed)")
            }
            XCTAssertEqual(ledger.unerasedRedactions, source.unerasedRedactions)
            XCTAssertEqual(try ledger.digest().digest, try source.digest().digest)
            ledger.close()
            journal.close()
            let (journalAgain, reopened) = try diskLedger(dir, strandId: source.strandId)
            XCTAssertEqual(reopened.openStats.fromCheckpoint, source.blockCount)
            XCTAssertEqual(try reopened.digest().digest, try source.digest().digest)
            reopened.close()
            journalAgain.close()
        }
    }

    /// A redaction applied in the batch that wrote its target, before the
    /// target's group went to the worker (the workload's documents are too
    /// small to erase): the erasure settles the appends before it reads the
    /// target's record, and the data is gone from the files.
    func testARedactionErasesDataWrittenEarlierInTheSameBatch() throws {
        let dir = directory()
        let secret = String(repeating: "confidential-", count: 8)
        let (journal, ledger) = try diskLedger(dir, strandId: "WriteBehindRedaction00")
        var tableId = ""
        try ledger.run { tableId = try $0.createTable(name: "T", tags: []) }
        try ledger.beginBatch()
        var id = ""
        try ledger.run { id = try $0.insert(table: "T", document: doc(("secret", .string(secret)))) }
        let target = try XCTUnwrap(ledger.tip)
        try ledger.run { try $0.update(table: "T", id: id, document: doc(("secret", .string("public")))) }
        try ledger.run { tx in   // the target still waits for the worker's group
            _ = try tx.redactRevision(blockAddress: target.ion, tableID: tableId, documentID: id)
        }
        for i in 0..<(2 * JournalWriteBehind.groupSize) {
            try ledger.run { _ = try $0.insert(table: "T", document: doc(("n", .int(i)))) }
        }
        try ledger.flushBatch()
        try ledger.sync()
        XCTAssertEqual(ledger.unerasedRedactions, 0)
        XCTAssertNil(try ledger.revision(at: target, documentId: id).data)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/journal").filter { $0.hasSuffix(".seg") }
        let bytes = try files.flatMap { try Data(contentsOf: URL(fileURLWithPath: dir + "/journal/" + $0)) }
        XCTAssertFalse(bytes.count > 0 && String(decoding: bytes, as: UTF8.self).contains(secret), "the secret is gone from the journal")
        ledger.close()
        journal.close()
    }

    func testAWriteFailingOnTheWorkerStopsTheLedgerAndAReopenGoesOn() throws {
        let (source, proposals) = try reference(seed: 11, blocks: 200)
        let dir = directory()
        let (journal, ledger) = try diskLedger(dir, strandId: source.strandId)
        let base = 20
        for proposal in proposals[0..<base] { try ledger.apply(proposal) }
        try ledger.sync()
        try ledger.beginBatch()
        let firstGroup = JournalWriteBehind.groupSize
        for proposal in proposals[base..<(base + firstGroup + 8)] { try ledger.apply(proposal) }
        // Settles (the first group appended by the worker, the 8 after it here), and the read writes the buffer.
        let written = base + firstGroup + 8
        _ = try ledger.journalRecord(sequenceNo: written - 1)
        Failpoints.arm(try .parse("journal_write=error", pathPrefix: dir + "/journal/"))
        for proposal in proposals[(base + firstGroup + 8)..<(base + 5 * firstGroup)] {
            try ledger.apply(proposal)   // the worker's writes fail; the state batch takes the blocks
        }
        XCTAssertThrowsError(try ledger.flushBatch()) { error in
            guard case LedgerError.stateStoreFailed = error else { return XCTFail("\(error)") }
        }
        Failpoints.disarm()
        XCTAssertNotNil(ledger.unusableReason)
        XCTAssertEqual(ledger.blockCount, base, "the state store's batch was dropped, not committed")
        XCTAssertThrowsError(try ledger.apply(proposals[base + 5 * firstGroup]))
        ledger.close()
        journal.close()

        let (journalAgain, reopened) = try diskLedger(dir, strandId: source.strandId)
        defer { journalAgain.close() }
        defer { reopened.close() }
        XCTAssertEqual(journalAgain.count, written, "the blocks written before the failure; the failed write taken back")
        XCTAssertEqual(reopened.openStats.fromCheckpoint, base)
        XCTAssertEqual(reopened.blockCount, written, "the journal's blocks past the checkpoint replayed")
        try reopened.beginBatch()
        for proposal in proposals[written...] { try reopened.apply(proposal) }
        try reopened.flushBatch()
        XCTAssertEqual(try reopened.digest().digest, try source.digest().digest)
    }
}
