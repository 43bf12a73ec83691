import Foundation
import Ion
import XCTest
@testable import Ledger

/// `Ledger.appendReplicated`: catch-up by journal streaming, one record at a time.
final class LedgerAppendReplicatedTests: XCTestCase {
    private func source(seed: UInt64, blocks: Int) throws -> (Ledger, TamperableStore) {
        let clock = FakeClock()
        let store = TamperableStore()
        let ledger = try makeLedger(seed: seed, store: store, clock: clock)
        var workload = Workload(seed: seed)
        _ = try workload.run(ledger, clock: clock, blocks: blocks)
        return (ledger, store)
    }

    func testRecordsCopiedOneByOneGiveTheSameLedger() throws {
        let (leader, leaderStore) = try source(seed: 41, blocks: 80)
        let followerStore = TamperableStore()
        // Another id generator and clock: only the records may matter.
        let follower = try makeLedger(seed: 4242, store: followerStore, strandId: leader.strandId, clock: FakeClock(7))
        for seq in 0..<leader.blockCount {
            let block = try follower.appendReplicated(record: leader.journalRecord(sequenceNo: seq))
            XCTAssertEqual(block.address.sequenceNo, seq)
            XCTAssertEqual(block.blockHash, leader.blockHash(sequenceNo: seq))
            XCTAssertEqual(try follower.digest().digest, try leader.digest(at: block.address))
        }
        XCTAssertEqual(followerStore.records, leaderStore.records)
        XCTAssertEqual(try follower.digest().digest, try leader.digest().digest)
        XCTAssertEqual(try follower.digest().tip, try leader.digest().tip)
        XCTAssertEqual(follower.userTableRows(), leader.userTableRows())
        for row in leader.userTableRows() {
            let id = try IonRead.string(row, "tableId")
            XCTAssertEqual(follower.committedRows(tableId: id), leader.committedRows(tableId: id))
            XCTAssertEqual(follower.history(tableId: id), leader.history(tableId: id))
            XCTAssertEqual(follower.state.table(id)!.indexes.map { follower.state.indexContents(indexId: $0.id) },
                           leader.state.table(id)!.indexes.map { leader.state.indexContents(indexId: $0.id) })
        }
        // The copy reopens from its own store, and both go on identically.
        let reopened = try makeLedger(store: followerStore)
        XCTAssertEqual(try reopened.digest().digest, try leader.digest().digest)
        let clock = FakeClock(1_800_000_000_000)
        var more = Workload(seed: 43)
        more.tableCount = 10
        for proposal in try more.run(leader, clock: clock, blocks: 20) {
            XCTAssertEqual(try follower.apply(BlockProposal.decode(proposal.encoded())).blockHash,
                           try leader.block(at: follower.tip!).blockHash)
        }
        XCTAssertEqual(try follower.digest().digest, try leader.digest().digest)
    }

    func testAnEmptyLedgerTakesTheStrandOfTheFirstRecord() throws {
        let (leader, _) = try source(seed: 5, blocks: 3)
        let follower = try makeLedger(seed: 6, store: TamperableStore(), strandId: "someOtherStrand0000001")
        XCTAssertThrowsError(try follower.appendReplicated(record: leader.journalRecord(sequenceNo: 0))) { error in
            guard case LedgerError.replicatedBlockRefused(0, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("holds block"), reason)
        }
    }

    /// Refused, and nothing changed: store, block count, digest, state.
    private func assertRefused(_ follower: Ledger, _ store: TamperableStore, _ record: [UInt8],
                               _ message: String, file: StaticString = #filePath, line: UInt = #line,
                               reason check: ((String) -> Bool)? = nil) {
        let count = follower.blockCount, records = store.records
        let digest = try? follower.digest().digest, rows = follower.userTableRows()
        XCTAssertThrowsError(try follower.appendReplicated(record: record), message, file: file, line: line) { error in
            guard case LedgerError.replicatedBlockRefused(let seq, let reason) = error else {
                return XCTFail("\(message): \(error)", file: file, line: line)
            }
            XCTAssertEqual(seq, count, message, file: file, line: line)
            if let check { XCTAssertTrue(check(reason), "\(message): \(reason)", file: file, line: line) }
        }
        XCTAssertEqual(follower.blockCount, count, message, file: file, line: line)
        XCTAssertEqual(store.records, records, message, file: file, line: line)
        XCTAssertEqual(try? follower.digest().digest, digest, message, file: file, line: line)
        XCTAssertEqual(follower.userTableRows(), rows, message, file: file, line: line)
    }

    func testTamperedRecordsAreRefusedAndNothingIsAppended() throws {
        let (leader, leaderStore) = try source(seed: 51, blocks: 30)
        let target = (1..<leaderStore.count - 1).last {
            (try? Ledger.decodeRecord(leaderStore.records[$0], sequenceNo: $0))?.revisions.contains { $0.data != nil } == true
        }!
        let followerStore = TamperableStore()
        let follower = try makeLedger(seed: 9, store: followerStore, strandId: leader.strandId)
        for seq in 0..<target { try follower.appendReplicated(record: leader.journalRecord(sequenceNo: seq)) }
        let original = try Ledger.decodeRecord(leaderStore.records[target], sequenceNo: target)
        let r = original.revisions.firstIndex { $0.data != nil }!

        func reencoded(_ change: (inout Block) -> Void) -> [UInt8] {
            var b = original
            change(&b)
            return BlockCodec.encode(b.ion)
        }
        // Properly re-encoded records: only this node's own hashes can tell.
        assertRefused(follower, followerStore, reencoded { $0.revisions[r].data = doc(("k", .int(12345))) }, "data",
                      reason: { $0.contains("hash of revision") })
        assertRefused(follower, followerStore, reencoded { $0.revisions[r].metadata.version += 1 }, "metadata version",
                      reason: { $0.contains("hash of revision") })
        assertRefused(follower, followerStore, reencoded { $0.revisions[r].metadata.id = "0000000000000000000000" },
                      "metadata id")
        assertRefused(follower, followerStore, reencoded { $0.revisions[r].hash[0] ^= 1 }, "revision hash")
        assertRefused(follower, followerStore, reencoded { $0.blockHash[31] ^= 0x80 }, "block hash",
                      reason: { $0.contains("blockHash") })
        assertRefused(follower, followerStore, reencoded { $0.entriesHash[3] ^= 1 }, "entries hash")
        assertRefused(follower, followerStore, reencoded { $0.entriesHashList[0][5] ^= 1 }, "entries hash list")
        assertRefused(follower, followerStore, reencoded { $0.previousBlockHash[0] ^= 1 }, "previous block hash",
                      reason: { $0.contains("chain") })
        assertRefused(follower, followerStore, reencoded {
            $0.transactionInfo = .struct([("statements", .list([])), ("documents", $0.transactionInfo[field: "documents"]!)])
        }, "transactionInfo", reason: { $0.contains("entriesHashList") })
        // A record whose hashes are all consistent but chained to another previous block
        // (the leader's own chain would have to have been forged): still refused.
        var forged = original
        forged.previousBlockHash = [UInt8](repeating: 7, count: 32)
        forged.blockHash = QLDBHash.dot(forged.entriesHash, forged.previousBlockHash)
        assertRefused(follower, followerStore, BlockCodec.encode(forged.ion), "forged chain", reason: { $0.contains("chain") })
        // Sequence gaps and repeats.
        assertRefused(follower, followerStore, try leader.journalRecord(sequenceNo: target + 1), "gap",
                      reason: { $0.contains("holds block") })
        assertRefused(follower, followerStore, try leader.journalRecord(sequenceNo: target - 1), "repeat")
        assertRefused(follower, followerStore, Array(leaderStore.records[target].dropLast(3)), "truncated",
                      reason: { $0.contains("decode") })
        // A flipped bit in every byte of the record.
        var rng = SeededGenerator(seed: 5)
        let record = leaderStore.records[target]
        for byte in 0..<record.count {
            assertRefused(follower, followerStore, flipBit(record, byte * 8 + Int(rng.next() % 8)), "bit flip in byte \(byte)")
        }
        // The untouched record is still accepted afterwards, and the rest follows.
        for seq in target..<leader.blockCount { try follower.appendReplicated(record: leader.journalRecord(sequenceNo: seq)) }
        XCTAssertEqual(try follower.digest().digest, try leader.digest().digest)
        XCTAssertEqual(followerStore.records, leaderStore.records)
    }

    func testHashValidBlockThatCannotApplyIsRefusedWithoutTrace() throws {
        let (leader, leaderStore) = try source(seed: 61, blocks: 20)
        let target = (1..<leaderStore.count).last {
            (try? Ledger.decodeRecord(leaderStore.records[$0], sequenceNo: $0))?.revisions.contains {
                $0.data != nil && $0.metadata.version > 0
            } == true
        }!
        let followerStore = TamperableStore()
        let follower = try makeLedger(seed: 9, store: followerStore, strandId: leader.strandId)
        for seq in 0..<target { try follower.appendReplicated(record: leader.journalRecord(sequenceNo: seq)) }
        // Rebuild the block with a version that skips one, hashes recomputed consistently.
        let b = try Ledger.decodeRecord(leaderStore.records[target], sequenceNo: target)
        let revisions = b.revisions.map { rev -> BlockHasher.RevisionContent in
            var m = rev.metadata
            if rev.metadata.version > 0 { m.version += 5 }
            return .init(metadata: m, data: rev.data, dataHash: nil)
        }
        let sealed = BlockHasher.seal(address: b.address, transactionId: b.transactionId, timestampMs: b.timestampMs,
                                      previousBlockHash: b.previousBlockHash, transactionInfo: b.transactionInfo,
                                      redactionInfo: b.redactionInfo, revisions: revisions)
        assertRefused(follower, followerStore, BlockCodec.encode(sealed.ion), "version skip",
                      reason: { $0.contains("does not follow") })
        try follower.appendReplicated(record: leader.journalRecord(sequenceNo: target))
    }
}
