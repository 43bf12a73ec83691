import Foundation
import Ion
import LMDB
import XCTest
@testable import Ledger

/// The journal scrubber and `LedgerAudit`: a healthy ledger verifies clean;
/// a damaged journal record (a flipped bit after sync, or a record rewritten
/// with a valid CRC but a wrong hash) and a damaged state store are found and
/// named by block.
final class LedgerAuditTests: XCTestCase {
    func directory() -> String { temporaryPath("tally-audit") }

    /// A ledger of `blocks` blocks (one table, index on k, one insert per block) on files.
    func buildLedger(_ dir: String, blocks: Int = 40) throws {
        let store = try FileJournalStore.open(directory: dir + "/journal", segmentSize: 4096)
        let clock = FakeClock()
        let ledger = try Ledger.open(store: store, options: Ledger.Options(
            ids: IDGenerator(SeededGenerator(seed: 3)), clock: { clock.now }, stateDirectory: dir + "/state"))
        try ledger.run { tx in
            _ = try tx.createTable(name: "T", tags: [])
            _ = try tx.createIndex(table: "T", field: "k")
        }
        for i in 1..<blocks {
            clock.advance(1)
            try ledger.run { tx in _ = try tx.insert(table: "T", document: doc(("k", .int(i)), ("pad", .string("abcdefghijklmnop")))) }
        }
        try ledger.sync()
        ledger.close()
        store.close()
    }

    /// Opens the ledger back (as a node would).
    func open(_ dir: String) throws -> (FileJournalStore, Ledger) {
        let store = try FileJournalStore.open(directory: dir + "/journal", segmentSize: 4096)
        return (store, try Ledger.open(store: store, options: Ledger.Options(stateDirectory: dir + "/state")))
    }

    /// Rewrites journal record `index` with one byte of its `pad` string changed: a valid
    /// frame (CRC recomputed) whose revision hash no longer matches.
    func tamper(_ store: FileJournalStore, record index: Int) throws {
        var bytes = try store.read(index)
        let pad = Array("abcdefghijklmnop".utf8)
        let at = try XCTUnwrap((0...(bytes.count - pad.count)).first { Array(bytes[$0..<($0 + pad.count)]) == pad })
        bytes[at] = UInt8(ascii: "X")
        try store.overwrite(index, with: bytes)
    }

    /// Flips one payload bit of record `index` on disk, behind the store's back.
    func flipBit(_ dir: String, record index: Int) throws {
        let store = try FileJournalStore.open(directory: dir + "/journal", segmentSize: 4096)
        let length = try store.read(index).count
        store.close()
        var located: (String, Int)?
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/journal").sorted() where name.hasSuffix(".seg") {
            let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/journal/" + name)))
            let first = Int(data[16]) | Int(data[17]) << 8 | Int(data[18]) << 16
            var offset = 24
            var i = first
            while offset + 8 <= data.count {
                if i == index { located = (dir + "/journal/" + name, offset) }
                offset += 8 + (Int(data[offset]) | Int(data[offset + 1]) << 8 | Int(data[offset + 2]) << 16)
                i += 1
            }
        }
        let (file, offset) = try XCTUnwrap(located)
        let handle = try XCTUnwrap(FileHandle(forUpdatingAtPath: file))
        handle.seek(toFileOffset: UInt64(offset + 8 + length / 2))
        let byte = handle.readData(ofLength: 1)[0]
        handle.seek(toFileOffset: UInt64(offset + 8 + length / 2))
        handle.write(Data([byte ^ 0x10]))
        handle.closeFile()
    }

    func scrubAll(_ scrubber: JournalScrubber, _ ledger: Ledger, budget: Int = 2048) -> [JournalChainVerifier.Mismatch] {
        var found: [JournalChainVerifier.Mismatch] = []
        let passes = scrubber.progress.passes
        for _ in 0..<10_000 where scrubber.progress.passes == passes {
            found += scrubber.step(budgetBytes: budget, against: JournalScrubber.snapshot(of: ledger))
        }
        return found
    }

    func testHealthyJournalScrubsClean() throws {
        let dir = directory()
        try buildLedger(dir)
        let (store, ledger) = try open(dir)
        let scrubber = JournalScrubber(ledger: ledger)
        XCTAssertEqual(scrubAll(scrubber, ledger), [])
        XCTAssertEqual(scrubber.progress.passes, 1)
        XCTAssertEqual(scrubber.progress.verifiedBlocks, 40)
        XCTAssertEqual(scrubber.progress.mismatchesTotal, 0)
        // Blocks appended between passes are verified by the next pass.
        try ledger.run { tx in _ = try tx.insert(table: "T", document: doc(("k", .int(99)))) }
        XCTAssertEqual(scrubAll(scrubber, ledger), [])
        XCTAssertEqual(scrubber.progress.verifiedBlocks, 41)
        XCTAssertEqual(scrubber.progress.verifiedBlocksTotal, 81)
        ledger.close()
        store.close()
    }

    func testScrubberFindsAFlippedBitInASyncedRecord() throws {
        let dir = directory()
        try buildLedger(dir)
        try flipBit(dir, record: 17)
        let (store, ledger) = try open(dir)   // open does not read old records: it starts
        let scrubber = JournalScrubber(ledger: ledger)
        let found = scrubAll(scrubber, ledger)
        XCTAssertEqual(found.map(\.sequenceNo), [17], "\(found)")
        XCTAssertTrue(found[0].reason.contains("CRC"), found[0].reason)
        XCTAssertEqual(scrubber.progress.mismatchesTotal, 1)
        XCTAssertEqual(scrubber.progress.lastMismatch?.hasPrefix("block 17:"), true)
        // The next pass finds it again but does not count it twice.
        XCTAssertEqual(scrubAll(scrubber, ledger), [])
        XCTAssertEqual(scrubber.progress.mismatchesTotal, 1)
        ledger.close()
        store.close()
    }

    func testScrubberFindsARecordWhoseHashesDoNotVerify() throws {
        let dir = directory()
        try buildLedger(dir)
        let (store, ledger) = try open(dir)
        try tamper(store, record: 23)
        let scrubber = JournalScrubber(ledger: ledger)
        let found = scrubAll(scrubber, ledger)
        XCTAssertEqual(found.map(\.sequenceNo), [23], "\(found)")
        XCTAssertTrue(found[0].reason.contains("hash"), found[0].reason)
        ledger.close()
        store.close()
    }

    func testAuditOfACleanLedger() throws {
        let dir = directory()
        try buildLedger(dir)
        let store = try FileJournalStore.open(directory: dir + "/journal")
        let report = LedgerAudit.run(journal: store, stateDirectory: dir + "/state")
        store.close()
        XCTAssertTrue(report.isClean, report.description)
        XCTAssertEqual(report.blocks, 40)
        XCTAssertEqual(report.stateBlocks, 40)
        XCTAssertEqual(report.stateDigest, report.journalDigest)
        let (s, ledger) = try open(dir)
        XCTAssertEqual(try ledger.digest().digest, report.journalDigest)
        ledger.close()
        s.close()
    }

    func testAuditFindsATamperedJournalRecord() throws {
        let dir = directory()
        try buildLedger(dir)
        let store = try FileJournalStore.open(directory: dir + "/journal")
        try tamper(store, record: 31)
        let report = LedgerAudit.run(journal: store, stateDirectory: dir + "/state")
        store.close()
        XCTAssertFalse(report.isClean)
        XCTAssertEqual(report.mismatches.map(\.sequenceNo), [31], report.description)
        XCTAssertTrue(report.description.contains("block 31:"), report.description)
    }

    func testAuditFindsADamagedStateStore() throws {
        let dir = directory()
        try buildLedger(dir)
        // Block 12's summary in the store now carries another block hash.
        let state = try LMDBStateStore(directory: dir + "/state")
        var summary = try XCTUnwrap(state.view.blockSummary(12))
        summary.blockHash = SHA256.hash([1, 2, 3])
        try state.env.write { txn in
            try txn.put(state.dbs.blocks, Key.uint64(12), LMDBStateLayout.encode(summary))
        }
        state.close()
        let store = try FileJournalStore.open(directory: dir + "/journal")
        let report = LedgerAudit.run(journal: store, stateDirectory: dir + "/state")
        store.close()
        XCTAssertFalse(report.isClean)
        XCTAssertEqual(report.mismatches.map(\.sequenceNo), [12], report.description)
        XCTAssertTrue(report.description.contains("block 12: the state store's block hash differs"), report.description)
    }
}
