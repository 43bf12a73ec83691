import Foundation
import Ion
import XCTest
@testable import Ledger

/// The ledger on the LMDB state store: the same state, digests and proofs as
/// in memory, a restart that replays only what the checkpoint lacks, and a
/// store that is behind, ahead, foreign or torn is detected and rebuilt.
final class LMDBStateStoreTests: XCTestCase {
    var directories: [String] = []

    override func tearDown() {
        for d in directories { try? FileManager.default.removeItem(atPath: d) }
    }

    func stateDirectory() -> String {
        let d = NSTemporaryDirectory() + "tally-state-\(UUID().uuidString)"
        directories.append(d)
        return d
    }

    func open(_ journal: JournalStore, state: String?, clock: FakeClock, seed: UInt64 = 1) throws -> Ledger {
        try Ledger.open(store: journal, options: Ledger.Options(ids: IDGenerator(SeededGenerator(seed: seed)),
                                                                clock: { clock.now }, stateDirectory: state))
    }

    /// Everything a client can observe of the state, in a comparable form.
    func observable(_ ledger: Ledger) throws -> [String] {
        var out = ["digest \(try ledger.digest().digest)", "indexed \(ledger.indexedStorageBytes)"]
        let state = ledger.state
        for tableId in state.tableOrder {
            let table = state.table(tableId)!
            out.append("table \(table)")
            out.append("rows \(ledger.committedRows(tableId: tableId).map(BlockCodec.text))")
            out.append("history \(ledger.history(tableId: tableId).map(BlockCodec.text))")
            for index in table.indexes {
                out.append("index \(index.field) \(state.indexContents(indexId: index.id).mapValues { $0.sorted() }.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { "\($0.key)=\($0.value)" })")
            }
        }
        let tip = try ledger.digest().tip
        for seq in stride(from: 0, to: ledger.blockCount, by: 7) {
            let address = BlockAddress(strandId: ledger.strandId, sequenceNo: seq)
            out.append("proof \(seq) \(try ledger.blockProof(blockAddress: address, tip: tip))")
            if let id = state.blockSummary(seq)?.documentIds.first {
                out.append("revision \(seq) \(try ledger.revisionProof(blockAddress: address, documentId: id, tip: tip))")
            }
        }
        return out
    }

    func testTheSameWorkloadGivesTheSameStateInMemoryAndOnDisk() throws {
        let (journalA, journalB) = (MemoryJournalStore(), MemoryJournalStore())
        let (clockA, clockB) = (FakeClock(), FakeClock())
        let memory = try open(journalA, state: nil, clock: clockA)
        let disk = try open(journalB, state: stateDirectory(), clock: clockB)
        var a = Workload(seed: 42), b = Workload(seed: 42)
        _ = try a.run(memory, clock: clockA, blocks: 300)
        _ = try b.run(disk, clock: clockB, blocks: 300)
        XCTAssertEqual(try observable(memory), try observable(disk))
        disk.close()
    }

    /// In a batch the counters and table records stay decoded across blocks
    /// and are written at the flush: DDL, inserts, updates and deletes in
    /// batches of every size read and end as block by block in memory.
    func testTheSameWorkloadInBatchesGivesTheSameState() throws {
        let (journalA, journalB) = (MemoryJournalStore(), MemoryJournalStore())
        let (clockA, clockB) = (FakeClock(), FakeClock())
        let memory = try open(journalA, state: nil, clock: clockA)
        let dir = stateDirectory()
        let disk = try open(journalB, state: dir, clock: clockB)
        var a = Workload(seed: 77), b = Workload(seed: 77)
        for (round, size) in [1, 2, 7, 40, 3, 120, 1, 60].enumerated() {
            _ = try a.run(memory, clock: clockA, blocks: size)
            try disk.beginBatch()
            let start = disk.blockCount
            for k in 0..<size {
                _ = try b.run(disk, clock: clockB, blocks: 1)
                XCTAssertEqual(disk.blockCount, start + k + 1)   // the counters, read through the open batch
            }
            try disk.flushBatch()
            XCTAssertEqual(try observable(memory), try observable(disk), "after round \(round)")
        }
        disk.close()
        let reopened = try open(journalB, state: dir, clock: clockB)
        XCTAssertEqual(reopened.openStats.blocks, 0, "the last flush's checkpoint holds every block")
        XCTAssertEqual(try observable(memory), try observable(reopened))
        reopened.close()
    }

    func testRestartReplaysNothingPastTheCheckpoint() throws {
        let journal = MemoryJournalStore(), clock = FakeClock(), dir = stateDirectory()
        let first = try open(journal, state: dir, clock: clock)
        var w = Workload(seed: 7)
        _ = try w.run(first, clock: clock, blocks: 200)
        try first.sync()
        let before = try observable(first)
        first.close()

        let second = try open(journal, state: dir, clock: clock, seed: 2)
        XCTAssertEqual(second.openStats.fromCheckpoint, 200)
        XCTAssertEqual(second.openStats.blocks, 0, "nothing to replay")
        XCTAssertNil(second.openStats.rebuilt)
        XCTAssertEqual(try observable(second), before)
        // It goes on from there.
        _ = try w.run(second, clock: clock, blocks: 20)
        XCTAssertEqual(second.blockCount, 220)
        second.close()
    }

    func testAStoreBehindTheJournalReplaysTheDifference() throws {
        let journal = MemoryJournalStore(), clock = FakeClock(), dir = stateDirectory()
        let ledger = try open(journal, state: dir, clock: clock)
        var w = Workload(seed: 9)
        _ = try w.run(ledger, clock: clock, blocks: 50)
        ledger.close()
        let saved = stateDirectory()
        try FileManager.default.copyItem(atPath: dir, toPath: saved)

        let again = try open(journal, state: dir, clock: clock, seed: 2)
        _ = try w.run(again, clock: clock, blocks: 30)
        let expected = try observable(again)
        again.close()

        // The store as it was after 50 blocks, the journal holding 80.
        try FileManager.default.removeItem(atPath: dir)
        try FileManager.default.moveItem(atPath: saved, toPath: dir)
        let behind = try open(journal, state: dir, clock: clock)
        XCTAssertEqual(behind.openStats.fromCheckpoint, 50)
        XCTAssertEqual(behind.openStats.blocks, 30)
        XCTAssertEqual(try observable(behind), expected)
        behind.close()
    }

    func testAStoreAheadOfTheJournalIsRebuilt() throws {
        let journal = MemoryJournalStore(), clock = FakeClock(), dir = stateDirectory()
        let ledger = try open(journal, state: dir, clock: clock)
        var w = Workload(seed: 11)
        _ = try w.run(ledger, clock: clock, blocks: 40)
        ledger.close()
        // A journal that lost its last 15 blocks (say, an unsynced tail dropped by power loss).
        let shorter = MemoryJournalStore()
        for i in 0..<25 { _ = try shorter.append(journal.read(i)) }
        let reopened = try open(shorter, state: dir, clock: clock)
        XCTAssertNotNil(reopened.openStats.rebuilt)
        XCTAssertEqual(reopened.blockCount, 25)
        let reference = try open(shorter, state: nil, clock: clock)
        XCTAssertEqual(try observable(reopened), try observable(reference))
        reopened.close()
    }

    func testAStoreOfAnotherJournalIsRebuilt() throws {
        let clock = FakeClock(), dir = stateDirectory()
        let (journalA, journalB) = (MemoryJournalStore(), MemoryJournalStore())
        let a = try open(journalA, state: dir, clock: clock, seed: 1)
        var wa = Workload(seed: 1)
        _ = try wa.run(a, clock: clock, blocks: 20)
        a.close()
        let b = try open(journalB, state: nil, clock: clock, seed: 2)
        var wb = Workload(seed: 2)
        _ = try wb.run(b, clock: clock, blocks: 20)

        let mixed = try open(journalB, state: dir, clock: clock)
        XCTAssertNotNil(mixed.openStats.rebuilt, "a checkpoint that is not this journal's block must not be trusted")
        XCTAssertEqual(try observable(mixed), try observable(b))
        mixed.close()
    }

    func testAStoreDirtyFromAnotherBootIsRebuiltWithoutReadingIt() throws {
        let journal = MemoryJournalStore(), clock = FakeClock(), dir = stateDirectory()
        let ledger = try open(journal, state: dir, clock: clock)
        var w = Workload(seed: 13)
        _ = try w.run(ledger, clock: clock, blocks: 30)
        let expected = try observable(ledger)
        ledger.close()
        // The machine went down while the store was being written: its pages cannot be trusted.
        try "dirty 00000000-another-boot\n".write(toFile: dir + "/synced", atomically: true, encoding: .utf8)
        let data = try FileHandle(forUpdating: URL(fileURLWithPath: dir + "/data.mdb"))
        try data.seek(toOffset: 3 * 4096)
        data.write(Data(repeating: 0xFF, count: 4096))
        try data.close()
        let reopened = try open(journal, state: dir, clock: clock)
        XCTAssertEqual(reopened.openStats.rebuilt, "it was being written when the machine went down")
        XCTAssertEqual(try observable(reopened), expected)
        reopened.close()
    }

    func testStatementSnapshotsReadTheirCommitWhileBlocksApply() throws {
        let journal = MemoryJournalStore(), clock = FakeClock(), dir = stateDirectory()
        let ledger = try open(journal, state: dir, clock: clock)
        try ledger.run { tx in _ = try tx.createTable(name: "T", tags: []) }
        try ledger.run { tx in _ = try tx.insert(table: "T", document: doc(("n", .int(1)))) }
        let reader = ledger.begin()
        reader.beginStatement()
        try ledger.run { tx in _ = try tx.insert(table: "T", document: doc(("n", .int(2)))) }
        let seen = try DispatchQueue.global().sync { try reader.scan(table: "T").count }
        XCTAssertEqual(seen, 1, "the snapshot predates the second insert")
        reader.endStatement()
        XCTAssertEqual(try ledger.begin().scan(table: "T").count, 2)
        ledger.close()
    }
}

/// Redaction erases the data from the state store's files too (a compacting copy).
final class LMDBStateStoreRedactionTests: XCTestCase {
    func testRedactedDataIsGoneFromTheStoreFilesAfterSync() throws {
        let dir = NSTemporaryDirectory() + "tally-state-redact-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let clock = FakeClock()
        let ledger = try Ledger.open(store: MemoryJournalStore(), options: Ledger.Options(clock: { clock.now }, stateDirectory: dir))
        let secret = "SECRET-\(UUID().uuidString)"
        try ledger.run { tx in _ = try tx.createTable(name: "T", tags: []) }
        var id = ""
        try ledger.run { tx in id = try tx.insert(table: "T", document: doc(("ssn", .string(secret)))) }
        try ledger.run { tx in try tx.update(table: "T", id: id, document: doc(("ssn", .string("redacted later")))) }
        try ledger.sync()
        func storeHoldsSecret() throws -> Bool {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: dir + "/data.mdb"))
            return bytes.range(of: Data(secret.utf8)) != nil
        }
        XCTAssertTrue(try storeHoldsSecret(), "the test must see the data before redaction")

        let first = ledger.state.revision(of: id, version: 0)!
        try ledger.run { tx in
            _ = try tx.redactRevision(blockAddress: first.blockAddress.ion, tableID: ledger.state.document(id)!.tableId,
                                      documentID: id)
        }
        try ledger.sync()
        XCTAssertFalse(try storeHoldsSecret(), "no redacted data may stay readable in the store files")
        XCTAssertTrue(ledger.state.revision(of: id, version: 0)!.isRedacted)
        // The store still serves, and reopens.
        XCTAssertEqual(try ledger.begin().scan(table: "T").count, 1)
        ledger.close()
    }
}
