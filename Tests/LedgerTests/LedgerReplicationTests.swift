import Foundation
import Ion
import XCTest
@testable import Ledger

final class LedgerReplicationTests: XCTestCase {
    func testTwoInstancesApplyingTheSameProposalsAreByteIdentical() throws {
        let clock = FakeClock()
        let leaderStore = TamperableStore()
        let leader = try makeLedger(seed: 11, store: leaderStore, clock: clock)
        var workload = Workload(seed: 11)
        let proposals = try workload.run(leader, clock: clock, blocks: 60)

        // The follower has other ids and another clock: nothing but the proposals may matter.
        let followerStore = TamperableStore()
        let follower = try makeLedger(seed: 999, store: followerStore, strandId: leader.strandId, clock: FakeClock(42))
        for proposal in proposals {
            let block = try follower.apply(BlockProposal.decode(proposal.encoded()))
            XCTAssertEqual(block.blockHash, try leader.block(at: block.address).blockHash)
        }
        XCTAssertEqual(followerStore.records, leaderStore.records)
        XCTAssertEqual(try follower.digest().digest, try leader.digest().digest)
        XCTAssertEqual(try follower.digest().tip, try leader.digest().tip)
        XCTAssertEqual(follower.userTableRows(), leader.userTableRows())
    }

    func testReopenRebuildsIdenticalState() throws {
        let clock = FakeClock()
        let store = TamperableStore()
        let ledger = try makeLedger(seed: 21, store: store, clock: clock)
        var workload = Workload(seed: 21)
        _ = try workload.run(ledger, clock: clock, blocks: 50)

        let copy = TamperableStore()
        copy.records = store.records
        let reopened = try makeLedger(seed: 1234, store: copy, clock: clock)
        XCTAssertEqual(reopened.strandId, ledger.strandId)
        XCTAssertEqual(reopened.openStats.blocks, 50)
        XCTAssertEqual(try reopened.digest().digest, try ledger.digest().digest)
        XCTAssertEqual(reopened.userTableRows(), ledger.userTableRows())
        for row in ledger.userTableRows() {
            let id = try IonRead.string(row, "tableId")
            XCTAssertEqual(reopened.committedRows(tableId: id), ledger.committedRows(tableId: id))
            XCTAssertEqual(reopened.history(tableId: id), ledger.history(tableId: id))
            let (a, b) = (ledger.state.table(id)!, reopened.state.table(id)!)
            XCTAssertEqual(a.indexes.map { ledger.state.indexContents(indexId: $0.id) },
                           b.indexes.map { reopened.state.indexContents(indexId: $0.id) })
            XCTAssertEqual(a.writeCounter, b.writeCounter)
        }
        // Both keep going identically.
        var more = Workload(seed: 77)
        for p in try more.run(ledger, clock: FakeClock(clock.now), blocks: 5) { try reopened.apply(p) }
        XCTAssertEqual(try reopened.digest().digest, try ledger.digest().digest)
    }

    func testTamperedRecordRefusesToOpenNamingTheBlock() throws {
        let clock = FakeClock()
        let store = TamperableStore()
        let ledger = try makeLedger(seed: 31, store: store, clock: clock)
        var workload = Workload(seed: 31)
        _ = try workload.run(ledger, clock: clock, blocks: 12)

        // Change one document's data and re-encode the record properly: only the hashes can tell.
        let target = (0..<store.count).last { (try? Ledger.decodeRecord(store.records[$0], sequenceNo: $0))?.revisions.contains { $0.data != nil } == true }!
        var block = try Ledger.decodeRecord(store.records[target], sequenceNo: target)
        let i = block.revisions.firstIndex { $0.data != nil }!
        block.revisions[i].data = doc(("k", .int(12345)))
        let tampered = TamperableStore()
        tampered.records = store.records
        tampered.records[target] = BlockCodec.encode(block.ion)
        XCTAssertThrowsError(try makeLedger(store: tampered)) { error in
            guard case LedgerError.corruptJournal(let seq, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(seq, target)
            XCTAssertTrue(reason.contains("hash"), reason)
            XCTAssertTrue("\(error)".contains("block \(target)"))
        }

        // A block that does not chain: swap two records.
        let swapped = TamperableStore()
        swapped.records = store.records
        swapped.records.swapAt(3, 4)
        XCTAssertThrowsError(try makeLedger(store: swapped)) { error in
            guard case LedgerError.corruptJournal(let seq, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(seq, 3)
        }

        // A flipped bit in any byte of a record with revisions.
        var rng = SeededGenerator(seed: 3)
        let record = store.records[target]
        for byte in 0..<record.count {
            let flipped = TamperableStore()
            flipped.records = Array(store.records[0...target])
            flipped.records[target] = flipBit(record, byte * 8 + Int(rng.next() % 8))
            XCTAssertThrowsError(try makeLedger(store: flipped), "byte \(byte) of block \(target)")
        }
    }

    func testFileJournalStoreRoundTrip() throws {
        let directory = "/tmp/tally-ledger-test-\(UInt32.random(in: 0...UInt32.max))"
        defer { _ = try? removeDirectory(directory) }
        let clock = FakeClock()
        var digest: [UInt8] = []
        do {
            let store = try FileJournalStore.open(directory: directory)
            let ledger = try makeLedger(seed: 41, store: store, clock: clock)
            var workload = Workload(seed: 41)
            _ = try workload.run(ledger, clock: clock, blocks: 25)
            try ledger.sync()
            digest = try ledger.digest().digest
            store.close()
        }
        let store = try FileJournalStore.open(directory: directory)
        let reopened = try makeLedger(store: store, clock: clock)
        XCTAssertEqual(try reopened.digest().digest, digest)
        store.close()
    }
}

private func removeDirectory(_ path: String) throws {
    let fm = FileManager.default
    try fm.removeItem(atPath: path)
}
