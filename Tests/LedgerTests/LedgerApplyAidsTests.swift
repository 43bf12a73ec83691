import Foundation
import Ion
import XCTest
@testable import Ledger

/// What the apply step takes from the proposal instead of working it out
/// again: each write's table (not parsed back out of `transactionInfo`) and,
/// on the node that prepared the transaction, the document encodings its size
/// checks made. A node that only receives the proposal must store the same.
final class LedgerApplyAidsTests: XCTestCase {
    private func open(_ journal: JournalStore, state: String, clock: FakeClock) throws -> Ledger {
        try Ledger.open(store: journal, options: Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 7)),
                                                                clock: { clock.now }, stateDirectory: state))
    }

    /// Every revision of every document as the store holds it (data re-read from its encoding).
    private func revisions(_ ledger: Ledger) -> [String] {
        let state = ledger.state
        var out: [String] = []
        for tableId in state.tableOrder {
            for id in state.documentIds(inTable: tableId) {
                for r in state.revisions(of: id) {
                    out.append("\(tableId) \(id) \(r.metadata.version) \(r.data.map(BlockCodec.text) ?? "-") \(r.hash)")
                }
            }
        }
        return out
    }

    func testThePreparingNodeAndAReceivingNodeStoreTheSame() throws {
        let clock = FakeClock()
        let leader = try open(MemoryJournalStore(), state: temporaryPath("aids-leader"), clock: clock)
        let follower = try open(MemoryJournalStore(), state: temporaryPath("aids-follower"), clock: clock)
        defer { leader.close(); follower.close() }
        var workload = Workload(seed: 99)
        for proposal in try workload.run(leader, clock: clock, blocks: 200) {
            try follower.apply(proposal)   // nothing prepared here: it encodes every document itself
        }
        // A transaction that writes one document twice keeps the last encoding,
        // and one that inserts then deletes a document journals nothing for it.
        let tx = leader.begin()
        let table = tx.activeTables()[0].name
        let id = try tx.insert(table: table, document: doc(("v", .string("first"))))
        try tx.update(table: table, id: id, document: doc(("v", .string("second")), ("n", .int(2))))
        let gone = try tx.insert(table: table, document: doc(("v", .string("gone"))))
        try tx.delete(table: table, id: gone)
        let proposal = try XCTUnwrap(try leader.prepare(tx))
        XCTAssertEqual(proposal.writes.map(\.documentId), [id])
        try leader.apply(proposal)
        try follower.apply(proposal)

        XCTAssertEqual(revisions(leader), revisions(follower))
        XCTAssertEqual(try leader.digest().digest, try follower.digest().digest)
        XCTAssertEqual(leader.indexedStorageBytes, follower.indexedStorageBytes)
        let stored = try XCTUnwrap(leader.state.document(id)?.current)
        XCTAssertEqual(BlockCodec.text(stored), BlockCodec.text(doc(("v", .string("second")), ("n", .int(2)))))
    }

    func testAProposalThatCannotApplyLeavesNoEncodingsBehind() throws {
        let clock = FakeClock()
        let ledger = try open(MemoryJournalStore(), state: temporaryPath("aids-stale"), clock: clock)
        defer { ledger.close() }
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        let tx = ledger.begin()
        _ = try tx.insert(table: "T", document: doc(("v", .int(1))))
        var proposal = try XCTUnwrap(try ledger.prepare(tx))
        proposal.writes[0].tableId = "no-such-table"
        XCTAssertThrowsError(try ledger.apply(proposal))
        XCTAssertTrue(ledger.pending.isEmpty, "the prepared transaction is forgotten, encodings and all")
    }

    func testATransactionWithoutDDLResolvesTablesFromTheCommittedCatalog() throws {
        let ledger = try makeLedger()
        try ledger.run {
            _ = try $0.createTable(name: "A", tags: [])
            _ = try $0.createTable(name: "B", tags: [])
        }
        try ledger.run { _ = try $0.dropTable(name: "A") }
        try ledger.run { _ = try $0.createTable(name: "A", tags: []) }   // a new table of the old name
        let tx = ledger.begin()
        let a = try XCTUnwrap(tx.activeTable(named: "A"))
        XCTAssertEqual(a.id, ledger.state.activeTable(named: "A")?.id)
        XCTAssertNil(tx.activeTable(named: "C"))
        // The same names once this transaction changes the catalog itself.
        _ = try tx.dropTable(name: "A")
        XCTAssertNil(tx.activeTable(named: "A"))
        let c = try tx.createTable(name: "C", tags: [])
        XCTAssertEqual(tx.activeTable(named: "C")?.id, c)
        XCTAssertEqual(tx.activeTable(named: "B")?.id, ledger.state.activeTable(named: "B")?.id)
    }

    /// The session layer hashes each statement for the commit digest and hands the hash to
    /// the transaction; the preparing node's block uses it, and a node that decodes the
    /// proposal (no digest: it is not replicated) computes the same.
    func testAStatementDigestTheSessionMadeIsKeptButNotReplicated() throws {
        let clock = FakeClock()
        let leader = try open(MemoryJournalStore(), state: temporaryPath("digest-leader"), clock: clock)
        let follower = try open(MemoryJournalStore(), state: temporaryPath("digest-follower"), clock: clock)
        defer { leader.close(); follower.close() }
        var workload = Workload(seed: 5)
        for proposal in try workload.run(leader, clock: clock, blocks: 3) { try follower.apply(proposal) }

        let tx = leader.begin()
        let table = tx.activeTables()[0].name
        let parameters: [IonValue] = [doc(("v", .string("x")), ("n", .int(7)))]
        let text = "INSERT INTO \(table) ?"
        try tx.recordStatement(text: text, parameters: parameters, digest: QLDBHash.statementHash(text, parameters: parameters))
        _ = try tx.insert(table: table, document: parameters[0])
        let proposal = try XCTUnwrap(try leader.prepare(tx))
        XCTAssertEqual(proposal.statements.map(\.digest), [QLDBHash.statementHash(text, parameters: parameters)])

        let received = try BlockProposal.decode(proposal.encoded())
        XCTAssertNil(received.statements[0].digest, "the digest is not in the replicated bytes")
        XCTAssertEqual(received, proposal, "and not part of a proposal's equality")
        XCTAssertEqual(try leader.apply(proposal).blockHash, try follower.apply(received).blockHash)
        XCTAssertEqual(try leader.digest().digest, try follower.digest().digest)
    }
}