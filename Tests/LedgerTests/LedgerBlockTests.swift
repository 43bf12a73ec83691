import Ion
import XCTest
@testable import Ledger

final class LedgerBlockTests: XCTestCase {
    /// PROTOCOL.md §3.4: a revision captured from real QLDB.
    func testRealRevisionHashVector() throws {
        let txTime = try XCTUnwrap(Ion.read("2021-06-02T07:03:05.226Z").first)
        guard case .timestamp(let ts) = txTime.content else { return XCTFail("not a timestamp") }
        let metadata = RevisionMetadata(id: "5vHoYG5m0OZCsqdYCs8XLH", version: 13,
                                        txTimeMs: LedgerTime.milliseconds(of: ts), txId: "EVaGjT4dxspC4GUhHi4DDJ")
        XCTAssertEqual(Hex.encode(metadata.ion.ionHash), "4797f67ff7e3c12a2d6d4e4aea811c94f1dfac078a93b9cdb6400cbcd8ae64f8")
        let data = doc(("_key", .string("myKey1")), ("_val", .string("MyValue1")))
        let hash = Revision.hash(metadata: metadata.ion, data: data, dataHash: nil)
        XCTAssertEqual(Base64.encode(hash), "DrFztoBrWKz+mCV+BnnMfEZRwfJcD+DNLRPLc16SidY=")
        // Redacted: the same hash from dataHash.
        XCTAssertEqual(Revision.hash(metadata: metadata.ion, data: nil, dataHash: data.ionHash), hash)
    }

    func testTimestampsAreMillisecondUTC() {
        let ts = LedgerTime.timestamp(milliseconds: 1_654_714_006_512)
        XCTAssertEqual(Ion.writeText([IonValue(.timestamp(ts))]), "2022-06-08T18:46:46.512Z")
        XCTAssertEqual(LedgerTime.milliseconds(of: ts), 1_654_714_006_512)
        XCTAssertEqual(LedgerTime.timestamp(milliseconds: -1).year, 1969)
    }

    func testBlockFieldsFollowProtocol() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(clock: clock)
        let first = try XCTUnwrap(ledger.run("CREATE TABLE Person") { _ = try $0.createTable(name: "Person", tags: []) })
        XCTAssertEqual(first.address, BlockAddress(strandId: ledger.strandId, sequenceNo: 0))
        XCTAssertEqual(first.previousBlockHash, IonValue.string(ledger.strandId).ionHash)
        clock.advance(5)
        let tx = ledger.begin()
        let alice = doc(("name", .string("Alice")), ("age", .int(30)))
        try tx.recordStatement(text: "INSERT INTO Person ?", parameters: [alice])
        let aliceId = try tx.insert(table: "Person", document: alice)
        try tx.recordStatement(text: "INSERT INTO Person ?", parameters: [])
        _ = try tx.insert(table: "Person", document: doc(("name", .string("Bob"))))
        let block = try XCTUnwrap(ledger.commit(tx))

        XCTAssertEqual(block.address.sequenceNo, 1)
        XCTAssertEqual(block.previousBlockHash, first.blockHash)
        XCTAssertEqual(block.transactionId, tx.transactionID)
        XCTAssertEqual(block.timestampMs, clock.now)
        XCTAssertEqual(block.revisions.count, 2)
        for revision in block.revisions {
            XCTAssertEqual(revision.hash, QLDBHash.dot(revision.metadata.ion.ionHash, revision.data!.ionHash))
            XCTAssertEqual(revision.metadata.txId, tx.transactionID)
            XCTAssertEqual(revision.metadata.version, 0)
        }
        XCTAssertEqual(block.entriesHashList, [QLDBHash.merkleRoot(block.revisions.map(\.hash)), block.transactionInfo.ionHash])
        XCTAssertEqual(block.entriesHash, QLDBHash.merkleRoot(block.entriesHashList))
        XCTAssertEqual(block.blockHash, QLDBHash.dot(block.entriesHash, block.previousBlockHash))
        for hash in block.entriesHashList + [block.blockHash, block.entriesHash, block.previousBlockHash] {
            XCTAssertEqual(hash.count, 32)
        }

        let statements = try IonRead.list(block.transactionInfo, "statements")
        XCTAssertEqual(statements.count, 2)
        XCTAssertEqual(try IonRead.blob(statements[0], "statementDigest"), QLDBHash.statementHash("INSERT INTO Person ?", parameters: [alice]))
        XCTAssertEqual(try IonRead.string(statements[1], "statement"), "INSERT INTO Person ?")
        let documents = try block.documentTables()
        XCTAssertEqual(documents[aliceId]?.tableName, "Person")
        let aliceInfo = try XCTUnwrap(block.transactionInfo[field: "documents"]?[field: aliceId])
        XCTAssertEqual(try IonRead.list(aliceInfo, "statements"), [.int(0)])

        // The stored record decodes to the same block, and the Ion text payload parses back.
        let stored = try ledger.block(at: block.address)
        XCTAssertTrue(stored.ion.isEquivalent(to: block.ion))
        let payload = try ledger.blockPayload(address: block.address, tip: block.address)
        XCTAssertTrue(try Ion.read(payload.ionText)[0].isEquivalent(to: block.ion))
        XCTAssertNil(Ledger.check(block: stored, previousBlockHash: first.blockHash))
        let revisionPayload = try ledger.revisionPayload(address: block.address, documentId: aliceId, tip: block.address)
        let revision = try Revision(ion: Ion.read(revisionPayload.ionText)[0])
        let proof = try Ion.read(try XCTUnwrap(revisionPayload.proofIonText))[0]
        guard case .list(let items) = proof.content else { return XCTFail("proof is not a list") }
        XCTAssertTrue(Ledger.verify(hash: revision.hash, proof: try items.map { try IonRead.blob($0) }, digest: try ledger.digest().digest))
        let (digestB64, tipText) = try ledger.digestPayload()
        XCTAssertEqual(Base64.decode(digestB64), try ledger.digest().digest)
        XCTAssertEqual(tipText, "{strandId:\"\(ledger.strandId)\",sequenceNo:1}")
        XCTAssertEqual(try Ledger.parseAddress(ionText: "{strandId: \"\(ledger.strandId)\", sequenceNo: 1}"), block.address)
    }

    func testDeleteWritesFinalRevisionWithoutData() throws {
        let ledger = try makeLedger()
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        var id = ""
        try ledger.run { id = try $0.insert(table: "T", document: doc(("a", .int(1)))) }
        let block = try XCTUnwrap(ledger.run { try $0.delete(table: "T", id: id) })
        let revision = block.revisions[0]
        XCTAssertNil(revision.data)
        XCTAssertEqual(revision.metadata.version, 1)
        XCTAssertEqual(revision.hash, revision.metadata.ion.ionHash)
        XCTAssertNil(revision.ion[field: "data"])
        XCTAssertTrue(ledger.committedRows(tableId: ledger.tableId(named: "T")!).isEmpty)
    }

    func testProposalEncodingRoundTrips() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(clock: clock)
        var workload = Workload(seed: 3)
        for _ in 0..<30 {
            guard let proposal = try workload.nextProposal(ledger, clock: clock) else { continue }
            let bytes = proposal.encoded()
            XCTAssertEqual(try BlockProposal.decode(bytes), proposal)
            XCTAssertEqual(BlockProposal(transactionId: proposal.transactionId, timestampMs: proposal.timestampMs,
                                         statements: proposal.statements, writes: proposal.writes,
                                         redactions: proposal.redactions).encoded(), bytes)
            try ledger.apply(proposal)
        }
    }
}
