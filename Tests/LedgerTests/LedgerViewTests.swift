import Ion
import PartiQL
import XCTest
@testable import Ledger

final class LedgerViewTests: XCTestCase {
    func ts(_ ms: Int64) -> IonTimestamp { LedgerTime.timestamp(milliseconds: ms) }

    func testHistoryActiveInRangeSemantics() throws {
        let clock = FakeClock(1_000)
        let ledger = try makeLedger(clock: clock)
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        var id = ""
        try ledger.run { id = try $0.insert(table: "T", document: doc(("v", .int(0)))) }   // v0 at 1000
        clock.now = 2_000
        try ledger.run { try $0.update(table: "T", id: id, document: doc(("v", .int(1)))) } // v1 at 2000
        clock.now = 3_000
        try ledger.run { try $0.update(table: "T", id: id, document: doc(("v", .int(2)))) } // v2 at 3000
        clock.now = 4_000
        try ledger.run { try $0.delete(table: "T", id: id) }                                // v3 at 4000
        clock.now = 5_000

        func versions(_ start: Int64?, _ end: Int64?) throws -> [Int] {
            let tx = ledger.begin()
            defer { tx.abort() }
            return try tx.history(table: "T", start: start.map(ts), end: end.map(ts)).map {
                try IonRead.int(IonRead.field($0, "metadata"), "version")
            }
        }
        XCTAssertEqual(try versions(nil, nil), [0, 1, 2, 3])
        XCTAssertEqual(try versions(1_500, 2_500), [0, 1])
        XCTAssertEqual(try versions(2_000, 2_000), [0, 1])   // both bounds inclusive
        XCTAssertEqual(try versions(2_001, 2_999), [1])
        XCTAssertEqual(try versions(3_500, nil), [2, 3])
        XCTAssertEqual(try versions(nil, 999), [])
        XCTAssertEqual(try versions(4_500, 4_600), [3])
        let tx = ledger.begin()
        XCTAssertThrowsError(try tx.history(table: "T", start: ts(5), end: ts(4)))
        let rows = try tx.history(table: "T", start: nil, end: nil)
        XCTAssertNil(rows[3][field: "data"])   // the delete: metadata, no data
        XCTAssertNotNil(rows[3][field: "metadata"])
        XCTAssertEqual(try IonRead.string(IonRead.field(rows[0], "metadata"), "id"), id)
    }

    func testCommittedViewAndUserView() throws {
        let ledger = try makeLedger()
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        var id = ""
        let block = try XCTUnwrap(ledger.run { id = try $0.insert(table: "T", document: doc(("a", .int(1)))) })
        let tx = ledger.begin()
        let committed = try tx.committedView(table: "T")
        XCTAssertEqual(committed.count, 1)
        XCTAssertEqual(try BlockAddress(ion: IonRead.field(committed[0], "blockAddress")), block.address)
        XCTAssertEqual(try IonRead.blob(committed[0], "hash"), block.revisions[0].hash)
        XCTAssertEqual(committed[0][field: "data"], doc(("a", .int(1))))
        let meta = try IonRead.field(committed[0], "metadata")
        XCTAssertEqual(try IonRead.string(meta, "id"), id)
        XCTAssertEqual(try IonRead.int(meta, "version"), 0)
        XCTAssertEqual(try IonRead.string(meta, "txId"), block.transactionId)
        let user = try tx.scan(table: "T")
        XCTAssertEqual(user.map(\.data), [doc(("a", .int(1)))])
        XCTAssertEqual(user[0].metadata, meta)
    }

    func testIndexKeysFollowPartiQLEquality() throws {
        let ledger = try makeLedger()
        try ledger.run {
            _ = try $0.createTable(name: "T", tags: [])
            _ = try $0.createIndex(table: "T", field: "k")
        }
        let structKey = doc(("x", .int(1)), ("y", .string("z")))
        let reordered = doc(("y", .string("z")), ("x", .int(1)))
        let decimal = try Ion.read("1.0")[0]
        let decimal2 = try Ion.read("1.00")[0]
        try ledger.run {
            _ = try $0.insert(table: "T", document: doc(("k", structKey)))
            _ = try $0.insert(table: "T", document: doc(("k", decimal)))
            _ = try $0.insert(table: "T", document: doc(("k", .string("1"))))
            _ = try $0.insert(table: "T", document: doc(("other", .int(1))))
        }
        let tx = ledger.begin()
        XCTAssertEqual(try tx.lookup(table: "T", field: "k", value: reordered).count, 1)
        XCTAssertEqual(try tx.lookup(table: "T", field: "k", value: decimal).count, 1)
        // Keys follow PartiQL's `=`: numbers by value, whatever their precision or type.
        XCTAssertEqual(try tx.lookup(table: "T", field: "k", value: decimal2).count, 1)
        XCTAssertEqual(try tx.lookup(table: "T", field: "k", value: .int(1)).count, 1)
        XCTAssertEqual(try tx.lookup(table: "T", field: "k", value: .int(2)).count, 0)
        XCTAssertEqual(try tx.indexedFields(table: "T"), ["k"])
        XCTAssertTrue(tx.readSet.scans.isEmpty, "indexed lookups must not record a table scan")
    }

    func testRedactionKeepsEveryProofValid() throws {
        let clock = FakeClock()
        let store = TamperableStore()
        let ledger = try makeLedger(store: store, clock: clock)
        var tableId = ""
        try ledger.run { tableId = try $0.createTable(name: "T", tags: []) }
        var id = ""
        let original = Ledger.BlockAddressBox()
        try ledger.run { id = try $0.insert(table: "T", document: doc(("secret", .string("s3cr3t")))) }
        original.value = ledger.tip!
        try ledger.run { try $0.update(table: "T", id: id, document: doc(("secret", .string("public")))) }
        let before = try ledger.digest()

        // The latest revision cannot be redacted.
        let bad = ledger.begin()
        XCTAssertThrowsError(try bad.redactRevision(blockAddress: ledger.tip!.ion, tableID: tableId, documentID: id))

        let tx = ledger.begin()
        try tx.recordStatement(text: "EXEC REDACT_REVISION ?, ?, ?", parameters: [])
        let request = try tx.redactRevision(blockAddress: original.value.ion, tableID: tableId, documentID: id)
        XCTAssertEqual(try IonRead.int(request, "version"), 0)
        XCTAssertThrowsError(try tx.redactRevision(blockAddress: original.value.ion, tableID: tableId, documentID: id)) {
            XCTAssertTrue($0 is LimitExceeded)
        }
        let redactionBlock = try XCTUnwrap(ledger.commit(tx))
        XCTAssertNotNil(redactionBlock.redactionInfo)
        XCTAssertTrue(redactionBlock.revisions.isEmpty)
        XCTAssertEqual(redactionBlock.entriesHashList, [redactionBlock.transactionInfo.ionHash, redactionBlock.redactionInfo!.ionHash])

        // The redacted block shows dataHash, verifies, and all proofs still fold to the digest.
        let block = try ledger.block(at: original.value)
        XCTAssertNil(block.revisions[0].data)
        XCTAssertEqual(block.revisions[0].dataHash, doc(("secret", .string("s3cr3t"))).ionHash)
        XCTAssertNil(Ledger.check(block: block, previousBlockHash: block.previousBlockHash))
        let (digest, tip) = try ledger.digest()
        let proof = try ledger.revisionProof(blockAddress: original.value, documentId: id, tip: tip)
        XCTAssertTrue(Ledger.verify(hash: block.revisions[0].hash, proof: proof, digest: digest))
        XCTAssertTrue(Ledger.verify(hash: block.revisions[0].hash,
                                    proof: try ledger.revisionProof(blockAddress: original.value, documentId: id, tip: before.tip),
                                    digest: before.digest))
        XCTAssertEqual(try ledger.digest(at: before.tip), before.digest)
        let history = ledger.history(tableId: tableId)
        XCTAssertNil(history[0][field: "data"])
        XCTAssertNotNil(history[0][field: "dataHash"])
        let payload = try ledger.revisionPayload(address: original.value, documentId: id, tip: tip)
        XCTAssertFalse(payload.ionText.contains("s3cr3t"))

        // Reopening replays the redaction.
        let reopened = try makeLedger(store: store, clock: clock)
        XCTAssertEqual(try reopened.digest().digest, digest)
        XCTAssertNil(reopened.history(tableId: tableId)[0][field: "data"])
    }
}

extension Ledger {
    final class BlockAddressBox { var value = BlockAddress(strandId: "", sequenceNo: 0) }
}
