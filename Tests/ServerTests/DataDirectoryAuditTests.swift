import Foundation
import Ion
import Ledger
import XCTest
@testable import Replica
@testable import Server

/// `tally audit DATA_DIR` (`DataDirectoryAudit`): clean, a tampered journal
/// record (named by ledger and block), and a data directory a running node holds.
final class DataDirectoryAuditTests: XCTestCase {
    var root = ""

    override func setUp() { root = NSTemporaryDirectory() + "tally-dd-audit-\(UUID().uuidString)" }
    override func tearDown() { try? FileManager.default.removeItem(atPath: root) }

    /// A node-shaped data directory (`<data_dir>/ledgers/ledgers/<id>/{journal,state}`) with one ledger.
    func makeLedger(id: String, blocks: Int) throws -> String {
        let dir = "\(root)/ledgers/ledgers/\(id)"
        let store = try FileJournalStore.open(directory: dir + "/journal")
        let ledger = try Ledger.open(store: store, options: Ledger.Options(stateDirectory: dir + "/state"))
        let setup = ledger.begin()
        _ = try setup.createTable(name: "T", tags: [])
        try ledger.commit(setup)
        for i in 0..<blocks {
            let tx = ledger.begin()
            _ = try tx.insert(table: "T", document: .struct([("i", .int(i)), ("s", .string("payload-payload"))]))
            try ledger.commit(tx)
        }
        try ledger.sync()
        ledger.close()
        store.close()
        return dir
    }

    func testCleanDataDirectory() throws {
        _ = try makeLedger(id: "LedgerA", blocks: 5)
        _ = try makeLedger(id: "LedgerB", blocks: 3)
        let result = try DataDirectoryAudit.run(dataDirectory: root)
        XCTAssertTrue(result.isClean, result.text)
        XCTAssertFalse(result.refused)
        XCTAssertEqual(result.ledgers.map(\.ledgerId), ["LedgerA", "LedgerB"])
        XCTAssertTrue(result.text.contains("OK: 6 of 6 blocks verified"), result.text)
    }

    func testTamperedJournalRecordIsNamed() throws {
        _ = try makeLedger(id: "LedgerA", blocks: 5)
        let dir = try makeLedger(id: "LedgerB", blocks: 8)
        let store = try FileJournalStore.open(directory: dir + "/journal")
        var record = try store.read(4)
        let pattern = Array("payload-payload".utf8)
        let at = try XCTUnwrap((0...(record.count - pattern.count)).first { Array(record[$0..<($0 + pattern.count)]) == pattern })
        record[at] = UInt8(ascii: "P")
        try store.overwrite(4, with: record)
        store.close()
        let result = try DataDirectoryAudit.run(dataDirectory: root)
        XCTAssertFalse(result.isClean)
        XCTAssertTrue(result.ledgers[0].isClean)
        XCTAssertFalse(result.ledgers[1].isClean)
        XCTAssertTrue(result.text.contains("ledger (not in ledgers.ion) (LedgerB)"), result.text)
        XCTAssertTrue(result.text.contains("mismatch: block 4: hash of revision"), result.text)
    }

    func testRefusesADataDirectoryARunningNodeHolds() throws {
        let dir = try makeLedger(id: "LedgerA", blocks: 2)
        let held = try FileJournalStore.open(directory: dir + "/journal")
        defer { held.close() }
        let result = try DataDirectoryAudit.run(dataDirectory: root)
        XCTAssertTrue(result.refused)
        XCTAssertFalse(result.isClean)
        XCTAssertTrue(result.text.contains("a running node holds this data directory"), result.text)
    }
}
