import Foundation
import Ion
import Ledger
import XCTest
@testable import QLDBWire
@testable import Replica
@testable import Server

/// `tally ledger import` on the node side: the control-plane calls, the
/// replicated `importBlocks`/`finishImport` commands and what every node
/// re-verifies as it applies them.
final class ImportStateMachineTests: XCTestCase {
    /// A source ledger's blocks as an export carries them (Ion binary), its strand and digest.
    func sourceJournal(blocks: Int = 6) throws -> (strand: String, records: [[UInt8]], digest: (digest: [UInt8], tip: BlockAddress)) {
        let source = try TestNode(dir: makeTempDirectory(self))
        source.createLedger("cars")
        for i in 0..<blocks { try source.insert("cars", car("V\(i)", i)) }
        let ledger = source.machine.ledger(named: "cars")!
        let records = try (0..<ledger.blockCount).map {
            BlockCodec.encode(try ledger.block(at: BlockAddress(strandId: ledger.strandId, sequenceNo: $0)).ion)
        }
        return (ledger.strandId, records, try ledger.digest())
    }

    func blocksBody(_ first: Int, _ records: ArraySlice<[UInt8]>) -> String {
        #"{"FirstSequenceNo":\#(first),"Blocks":[\#(records.map { "\"\(Base64.encode($0))\"" }.joined(separator: ","))]}"#
    }

    func testAnImportIsReverifiedByEveryNodeAndServesOnlyOnceFinished() throws {
        let (strand, records, digest) = try sourceJournal()
        let node = try TestNode(dir: makeTempDirectory(self))
        XCTAssertEqual(node.call("POST", "/ledgers/copy/import", #"{"StrandId":"\#(strand)","DeletionProtection":false}"#).status, 200)
        node.control.reconcile()  // a CREATING import is not activated by the leader's housekeeping
        XCTAssertEqual(node.machine.state(of: "copy"), .creating)
        XCTAssertNil(node.machine.ledger(named: "copy"), "a ledger being imported serves nothing")
        XCTAssertEqual(node.call("POST", "/ledgers/copy/import-blocks", blocksBody(0, records[0..<3])).status, 200)

        // A block whose revision data was changed (its hash kept) is refused on apply, naming the block.
        var tampered = try Block(ion: BlockCodec.decode(records[3]))
        tampered.revisions[0].data = car("FORGED")
        let forged = blocksBody(3, [BlockCodec.encode(tampered.ion)] + records[4...])
        let refused = node.call("POST", "/ledgers/copy/import-blocks", forged)
        XCTAssertEqual(refused.status, 400, refused.bodyText)
        XCTAssertTrue(refused.bodyText.contains("block 3"), refused.bodyText)
        XCTAssertEqual(node.machine.blockCount(ledger: "copy"), 3)

        // Resending blocks already imported is harmless (a retried call); a gap is refused.
        XCTAssertEqual(node.call("POST", "/ledgers/copy/import-blocks", blocksBody(2, records[2..<5])).status, 200)
        XCTAssertEqual(node.call("POST", "/ledgers/copy/import-blocks", blocksBody(7, records[5...])).status, 400)
        XCTAssertEqual(node.call("POST", "/ledgers/copy/import-blocks", blocksBody(5, records[5...])).status, 200)

        var wrong = digest.digest
        wrong[31] ^= 1
        let mismatch = node.call("POST", "/ledgers/copy/import-finish",
                                 #"{"TipSequenceNo":\#(digest.tip.sequenceNo),"Digest":"\#(Base64.encode(wrong))"}"#)
        XCTAssertEqual(mismatch.status, 412, mismatch.bodyText)
        XCTAssertEqual(node.machine.state(of: "copy"), .creating)
        let finish = node.call("POST", "/ledgers/copy/import-finish",
                               #"{"TipSequenceNo":\#(digest.tip.sequenceNo),"Digest":"\#(Base64.encode(digest.digest))"}"#)
        XCTAssertEqual(finish.status, 200, finish.bodyText)
        XCTAssertEqual(node.machine.state(of: "copy"), .active)
        // A retried finish (the first answer lost) is answered, not refused: the CLI never deletes a finished import.
        XCTAssertEqual(node.call("POST", "/ledgers/copy/import-finish",
                                 #"{"TipSequenceNo":\#(digest.tip.sequenceNo),"Digest":"\#(Base64.encode(digest.digest))"}"#).status, 200)
        XCTAssertEqual(node.call("POST", "/ledgers/copy/import-finish",
                                 #"{"TipSequenceNo":\#(digest.tip.sequenceNo),"Digest":"\#(Base64.encode(wrong))"}"#).status, 412)
        let imported = try XCTUnwrap(node.machine.digest(ledger: "copy"))
        XCTAssertEqual(imported.digest, digest.digest)
        XCTAssertEqual(imported.tip, digest.tip)

        // New transactions continue the strand.
        let next = try node.insert("copy", car("NEW"))
        XCTAssertEqual(next.reply.strandId, strand)
        XCTAssertEqual(next.reply.sequenceNo, digest.tip.sequenceNo + 1)

        // Another node applying the same log recomputes everything to the same ledger.
        let follower = try TestNode(dir: makeTempDirectory(self))
        for (i, bytes) in node.replicator.log.enumerated() {
            XCTAssertEqual(follower.machine.apply(index: UInt64(i + 1), command: bytes), node.replicator.results[i])
        }
        XCTAssertEqual(try follower.machine.digest(ledger: "copy")?.digest, try node.machine.digest(ledger: "copy")?.digest)

        // A restart replays the imported journal through the same checks.
        let final = try node.machine.digest(ledger: "copy")?.digest
        try node.machine.checkpoint()
        node.machine.close()
        let reopened = try TestNode(dir: node.dir)
        XCTAssertEqual(reopened.machine.state(of: "copy"), .active)
        XCTAssertEqual(try reopened.machine.digest(ledger: "copy")?.digest, final)
        XCTAssertEqual(reopened.machine.ledger(named: "copy")?.isImported, true)
    }

    func testAnAbandonedImportCanBeDeletedAndOthersAreRefusedImportCalls() throws {
        let (strand, records, _) = try sourceJournal(blocks: 2)
        let node = try TestNode(dir: makeTempDirectory(self))
        node.createLedger("live")
        XCTAssertEqual(node.call("POST", "/ledgers/live/import-blocks", blocksBody(0, records[0...])).status, 412,
                       "an ACTIVE ledger takes no imported blocks")
        XCTAssertEqual(node.call("POST", "/ledgers/live/import", #"{"StrandId":"\#(strand)"}"#).status, 409)
        XCTAssertEqual(node.call("POST", "/ledgers/half/import", #"{"StrandId":"\#(strand)"}"#).status, 200)
        XCTAssertEqual(node.call("POST", "/ledgers/half/import-blocks", blocksBody(0, records[0..<1])).status, 200)
        XCTAssertEqual(node.call("DELETE", "/ledgers/half").status, 200)
        node.control.reconcile()
        XCTAssertNil(node.machine.state(of: "half"))
    }

    func testImportCommandsRoundTripThroughIonBinary() throws {
        var create = NodeCommand.CreateLedger(name: "c", ledgerId: "L", strandId: "S", permissionsMode: "STANDARD",
                                              deletionProtection: false, kmsKey: nil, tags: [], creationTimeMs: 1)
        create.importing = true
        let commands: [NodeCommand] = [
            .createLedger(create),
            .importBlocks(.init(ledgerName: "c", ledgerId: "L", firstSequenceNo: 4, blocks: [[1, 2], [3]])),
            .finishImport(.init(ledgerName: "c", ledgerId: "L", tipSequenceNo: 5, digest: Array(repeating: 9, count: 32))),
        ]
        for command in commands {
            XCTAssertEqual(try NodeCommand.decode(command.encoded()), command)
        }
    }
}
