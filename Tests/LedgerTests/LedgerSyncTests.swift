import Foundation
import Ion
import XCTest
@testable import Ledger

/// A journal whose `sync` can fail, and that records the thread it ran on.
private final class ObservedSyncJournal: JournalStore {
    let inner = MemoryJournalStore()
    var failSync = false
    var syncThread: Thread?
    var count: Int { inner.count }
    var syncedCount: Int { inner.syncedCount }
    func append(_ record: [UInt8]) throws -> Int { try inner.append(record) }
    func sync() throws {
        syncThread = Thread.current
        if failSync { throw POSIXError(.EIO) }
        try inner.sync()
    }
    func read(_ index: Int) throws -> [UInt8] { try inner.read(index) }
    func forEach(from: Int, _ body: (Int, [UInt8]) throws -> Void) throws { try inner.forEach(from: from, body) }
    func overwrite(_ index: Int, with record: [UInt8]) throws { try inner.overwrite(index, with: record) }
}

/// `Ledger.sync()` on the LMDB state store: the journal's fsync runs beside
/// the store's, and the store is marked clean only once both are done, so
/// after a power cut it is never ahead of the journal.
final class LedgerSyncTests: XCTestCase {
    private func open(_ journal: JournalStore, state: String) throws -> Ledger {
        try Ledger.open(store: journal, options: Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 3)),
                                                                clock: { 1_700_000_000_000 }, stateDirectory: state))
    }

    private func marker(_ dir: String) throws -> String { try String(contentsOfFile: dir + "/synced", encoding: .utf8) }

    func testSyncMakesTheJournalDurableOnAnotherThreadThenMarksTheStoreClean() throws {
        let journal = ObservedSyncJournal(), dir = temporaryPath("sync-ok")
        let ledger = try open(journal, state: dir)
        defer { ledger.close() }
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        try ledger.beginBatch()
        for n in 0..<20 { try ledger.run { _ = try $0.insert(table: "T", document: doc(("n", .int(n)))) } }
        XCTAssertTrue(try marker(dir).hasPrefix("dirty"))
        try ledger.sync()
        XCTAssertEqual(journal.syncedCount, journal.count)
        XCTAssertEqual(journal.count, ledger.blockCount)
        XCTAssertNotNil(journal.syncThread)
        XCTAssertFalse(journal.syncThread === Thread.current, "the journal's fsync overlaps the store's")
        XCTAssertEqual(try marker(dir), "clean\n")
    }

    func testAFailedJournalSyncLeavesTheStoreDirty() throws {
        let journal = ObservedSyncJournal(), dir = temporaryPath("sync-fail")
        let ledger = try open(journal, state: dir)
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        try ledger.sync()
        try ledger.run { _ = try $0.insert(table: "T", document: doc(("n", .int(1)))) }
        journal.failSync = true
        XCTAssertThrowsError(try ledger.sync()) { XCTAssertEqual(($0 as? POSIXError)?.code, .EIO) }
        XCTAssertTrue(try marker(dir).hasPrefix("dirty"), "a store marked clean could be ahead of the journal after a power cut")
        XCTAssertLessThan(journal.syncedCount, journal.count)
        journal.failSync = false
        try ledger.sync()
        XCTAssertEqual(try marker(dir), "clean\n")
        XCTAssertEqual(journal.syncedCount, journal.count)
        ledger.close()
    }
}
