import Foundation
import Ion
import XCTest
@testable import Ledger

/// `Ledger.appendReplicated(records:)`: runs of records checked on a worker
/// one step (`Ledger.pipelineStep`) ahead of the apply.
final class LedgerPipelineTests: XCTestCase {
    private let step = Ledger.pipelineStep

    private func records(_ source: Ledger, _ range: Range<Int>) throws -> [[UInt8]] {
        try range.map { try source.journalRecord(sequenceNo: $0) }
    }

    private func assertSameLedger(_ copy: Ledger, _ source: Ledger, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(copy.blockCount, source.blockCount, file: file, line: line)
        XCTAssertEqual(try copy.digest().digest, try source.digest().digest, file: file, line: line)
        XCTAssertEqual(copy.userTableRows(), source.userTableRows(), file: file, line: line)
        for row in source.userTableRows() {
            let id = try IonRead.string(row, "tableId")
            XCTAssertEqual(copy.committedRows(tableId: id), source.committedRows(tableId: id), file: file, line: line)
            XCTAssertEqual(copy.history(tableId: id), source.history(tableId: id), file: file, line: line)
        }
    }

    func testRunsGiveTheSameLedgerAsOneRecordAtATime() throws {
        let source = try workloadLedger(seed: 61, blocks: 2 * step + 90)
        let store = TamperableStore()
        let copy = try makeLedger(seed: 99, store: store, strandId: source.strandId, clock: FakeClock(3))
        var seen: [Int] = []
        // A run of one, one of several steps ending mid-step, and the rest.
        for range in [0..<1, 1..<(step + 40), (step + 40)..<source.blockCount] {
            try copy.appendReplicated(records: records(source, range)) { block in
                seen.append(block.address.sequenceNo)
                XCTAssertEqual(block.blockHash, source.blockHash(sequenceNo: block.address.sequenceNo))
            }
        }
        XCTAssertEqual(seen, Array(0..<source.blockCount))
        XCTAssertEqual(store.records, try records(source, 0..<source.blockCount))
        try assertSameLedger(copy, source)
    }

    func testRunsOnTheLMDBStoreInABatch() throws {
        let dir = NSTemporaryDirectory() + "tally-pipeline-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try workloadLedger(seed: 62, blocks: step + 30)
        var (journal, copy) = try diskReplica(of: source, in: dir, firstBatch: 0..<0)
        try copy.beginBatch()
        try copy.appendReplicated(records: records(source, 0..<source.blockCount))
        try copy.sync()
        try assertSameLedger(copy, source)
        copy.close()
        journal.close()
        (journal, copy) = try reopenDiskReplica(in: dir)
        defer { copy.close(); journal.close() }
        XCTAssertEqual(copy.openStats.blocks, 0, "the state store's checkpoint holds every block")
        try assertSameLedger(copy, source)
    }

    /// A bad record in a later step: the records before it are appended, it
    /// and those after are not, and the ledger goes on from there.
    func testARunStopsAtTheFirstRefusedRecord() throws {
        let source = try workloadLedger(seed: 63, blocks: 2 * step + 20)
        let bad = step + 17
        for (what, damaged) in [("a flipped bit", flipBit(try source.journalRecord(sequenceNo: bad), 8 * 40 + 3)),
                                ("a truncated record", Array(try source.journalRecord(sequenceNo: bad).prefix(30)))] {
            let store = TamperableStore()
            let copy = try makeLedger(seed: 5, store: store, strandId: source.strandId)
            var run = try records(source, 0..<source.blockCount)
            run[bad] = damaged
            var applied = 0
            XCTAssertThrowsError(try copy.appendReplicated(records: run) { _ in applied += 1 }, what) { error in
                guard case LedgerError.replicatedBlockRefused(let seq, _) = error else { return XCTFail("\(what): \(error)") }
                XCTAssertEqual(seq, bad, what)
            }
            XCTAssertEqual(applied, bad, what)
            XCTAssertEqual(copy.blockCount, bad, what)
            XCTAssertEqual(store.records, Array(run[0..<bad]), what)
            XCTAssertEqual(try copy.digest().digest, try source.digest(at: BlockAddress(strandId: source.strandId, sequenceNo: bad - 1)), what)
            try copy.appendReplicated(records: records(source, bad..<source.blockCount))
            try assertSameLedger(copy, source)
        }
    }

    /// The step after a block chains from that block's own hash, not from the
    /// ledger's tip when the run began nor from what the next record claims: a
    /// forked block ending one step is accepted (it chains to the common
    /// block before it), and the original block after it is refused.
    func testTheNextStepChainsFromTheLastBlockChecked() throws {
        let source = try workloadLedger(seed: 64, blocks: step + 20)
        let forkAt = step - 1
        let fork = try makeLedger(seed: 65, store: MemoryJournalStore(), strandId: source.strandId)
        try fork.appendReplicated(from: source, 0..<forkAt)
        var other = Workload(seed: 66)
        other.tableCount = 10
        _ = try other.run(fork, clock: FakeClock(1_800_000_000_000), blocks: 1)
        XCTAssertNotEqual(fork.blockHash(sequenceNo: forkAt), source.blockHash(sequenceNo: forkAt))

        let copy = try makeLedger(seed: 67, store: TamperableStore(), strandId: source.strandId)
        var run = try records(source, 0..<source.blockCount)
        run[forkAt] = try fork.journalRecord(sequenceNo: forkAt)
        XCTAssertThrowsError(try copy.appendReplicated(records: run)) { error in
            guard case LedgerError.replicatedBlockRefused(let seq, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(seq, forkAt + 1)
            XCTAssertTrue(reason.contains("previousBlockHash does not chain"), reason)
        }
        XCTAssertEqual(copy.blockCount, forkAt + 1)
        XCTAssertEqual(copy.blockHash(sequenceNo: forkAt), fork.blockHash(sequenceNo: forkAt))
        XCTAssertEqual(try copy.digest().digest, try fork.digest().digest)
    }

    /// Well-hashed records for positions the ledger already holds are refused,
    /// nothing is appended, and an empty run changes nothing.
    func testRecordsForOtherPositionsAreRefused() throws {
        let source = try workloadLedger(seed: 68, blocks: step + 10)
        let copy = try makeLedger(seed: 69, store: TamperableStore(), strandId: source.strandId)
        try copy.appendReplicated(records: records(source, 0..<3))
        // The same three records again: each is well-hashed, but block 0 is not the next block.
        XCTAssertThrowsError(try copy.appendReplicated(records: records(source, 0..<3))) { error in
            guard case LedgerError.replicatedBlockRefused(3, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("holds block"), reason)
        }
        XCTAssertEqual(copy.blockCount, 3)
        try copy.appendReplicated(records: [])
        try copy.appendReplicated(records: records(source, 3..<source.blockCount))
        try assertSameLedger(copy, source)
    }
}
