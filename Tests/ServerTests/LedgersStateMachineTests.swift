import Foundation
import Ion
import Ledger
import XCTest
@testable import Replica
@testable import Server

final class LedgersStateMachineTests: XCTestCase {
    func testCommandsRoundTripThroughIonBinary() throws {
        let commands: [NodeCommand] = [
            .createLedger(.init(name: "cars", ledgerId: "L1", strandId: "S1", permissionsMode: "STANDARD", deletionProtection: true,
                                kmsKey: nil, tags: [ResourceTag(key: "a", value: nil), ResourceTag(key: "b", value: "x")],
                                creationTimeMs: 1_700_000_000_123)),
            .activateLedger(name: "cars", ledgerId: "L1"),
            .updateLedger(name: "cars", deletionProtection: false, kmsKey: nil),
            .updatePermissionsMode(name: "cars", permissionsMode: "ALLOW_ALL"),
            .deleteLedger(name: "cars"),
            .purgeLedger(name: "cars", ledgerId: "L1"),
            .tagResource(arn: "arn:aws:qldb:us-east-1:000000000000:ledger/cars", tags: [ResourceTag(key: "k", value: "v")]),
            .untagResource(arn: "arn:aws:qldb:us-east-1:000000000000:ledger/cars", keys: ["k", "j"]),
            .transaction(.init(ledgerName: "cars", proposal: Self.sampleProposal,
                               checkpoint: LedgerCheckpoint(sequenceNo: 4, blockHash: Array(repeating: 7, count: 32)))),
            .transaction(.init(ledgerName: "cars", proposal: BlockProposal(transactionId: "T", timestampMs: 1, statements: [],
                                                                            writes: [], redactions: []), checkpoint: nil)),
            .exportJournal(.init(exportId: "E", ledgerName: "cars", inclusiveStartMs: 1, exclusiveEndMs: 2, bucket: "b", prefix: "p/",
                                 objectEncryptionType: "SSE_S3", kmsKeyArn: nil, roleArn: "arn:aws:iam::1:role/r",
                                 outputFormat: "ION_TEXT", creationTimeMs: 3)),
            .finishExport(exportId: "E", status: "COMPLETED", message: nil),
            .startStream(.init(streamId: "X", ledgerName: "cars", streamName: "s", roleArn: "r", streamArn: "file:///tmp/x",
                               aggregationEnabled: true, inclusiveStartMs: 5, exclusiveEndMs: nil, tags: [], creationTimeMs: 6)),
            .streamProgress(ledgerName: "cars", streamId: "X", deliveredThrough: 12),
            .finishStream(ledgerName: "cars", streamId: "X", status: "CANCELED", errorCause: nil),
        ]
        for command in commands {
            let bytes = command.encoded()
            XCTAssertTrue(Ion.isBinary(bytes))
            XCTAssertEqual(try NodeCommand.decode(bytes), command)
            XCTAssertEqual(command.encoded(), bytes, "encoding is deterministic")
        }
        XCTAssertThrowsError(try NodeCommand.decode(Ion.writeBinary([.struct([("op", .string("nope"))])])))
    }

    func testRestartRestoresLedgersJournalsDigestsAndAppliedIndex() throws {
        let dir = makeTempDirectory(self)
        var node: TestNode? = try TestNode(dir: dir)
        node!.createLedger("cars")
        node!.createLedger("boats", protection: true)
        for i in 0..<5 { try node!.insert("cars", car("V\(i)", i)) }
        try node!.insert("boats", car("B"))
        let digest = try node!.machine.digest(ledger: "cars")!
        let applied = node!.machine.appliedIndex
        XCTAssertLessThanOrEqual(node!.machine.durableIndex, applied)
        try node!.machine.checkpoint()
        XCTAssertEqual(node!.machine.durableIndex, applied)
        node!.machine.close()
        node = nil

        let reopened = try TestNode(dir: dir)
        XCTAssertEqual(reopened.machine.appliedIndex, applied)
        XCTAssertEqual(reopened.machine.durableIndex, applied)
        XCTAssertEqual(reopened.machine.state(of: "cars"), .active)
        XCTAssertEqual(reopened.machine.info(named: "boats")?.deletionProtection, true)
        let again = try reopened.machine.digest(ledger: "cars")!
        XCTAssertEqual(again.digest, digest.digest)
        XCTAssertEqual(again.tip, digest.tip)
        XCTAssertGreaterThan(reopened.machine.journalBytes(ledger: "cars") ?? 0, 0)
        // The reopened node keeps committing on the same chain.
        let next = try reopened.insert("cars", car("V9"))
        XCTAssertEqual(next.reply.sequenceNo, digest.tip.sequenceNo + 1)
    }

    /// `ledgers.ion` lags the journals (metadataInterval): after a restart the log
    /// is replayed from the recorded index and blocks already journaled are claimed, not duplicated.
    func testReplayAfterRestartClaimsJournaledBlocks() throws {
        let dir = makeTempDirectory(self)
        var node: TestNode? = try TestNode(dir: dir, metadataInterval: 1_000_000)
        node!.createLedger("cars")
        let recorded = node!.machine.durableIndex
        XCTAssertEqual(recorded, node!.machine.appliedIndex, "control-plane changes are recorded at once")
        var replies: [TransactionReply] = []
        for i in 0..<4 { replies.append(try node!.insert("cars", car("V\(i)")).reply) }
        // One refused command in the middle (a stale duplicate of the last insert).
        let stale = try NodeCommand.decode(node!.replicator.log.last!)
        guard case .rejected(.occConflict) = try node!.propose(stale) else { return XCTFail("duplicate applied") }
        replies.append(try node!.insert("cars", car("V4")).reply)
        XCTAssertEqual(node!.machine.durableIndex, recorded, "transactions alone do not rewrite ledgers.ion")
        let digest = try node!.machine.digest(ledger: "cars")!
        let log = node!.replicator.log
        let firstIndex = Int(recorded) // log[i] has index i+1
        node!.machine.close()
        node = nil

        let reopened = try TestNode(dir: dir, metadataInterval: 1_000_000)
        XCTAssertEqual(reopened.machine.appliedIndex, recorded)
        var claimed: [TransactionReply] = []
        for (offset, bytes) in log[firstIndex...].enumerated() {
            let result = reopened.machine.apply(index: recorded + UInt64(offset) + 1, command: bytes)
            if case .applied(let reply) = result, !reply.isEmpty { claimed.append(try TransactionReply.decode(reply)) }
        }
        XCTAssertEqual(claimed, replies)
        let after = try reopened.machine.digest(ledger: "cars")!
        XCTAssertEqual(after.digest, digest.digest)
        XCTAssertEqual(after.tip, digest.tip)
        reopened.replicator.index = reopened.machine.appliedIndex
        XCTAssertEqual(try reopened.insert("cars", car("V5")).reply.sequenceNo, digest.tip.sequenceNo + 1)
    }

    func testTwoMachinesApplyingTheSameCommandsEndIdentical() throws {
        let a = try TestNode(dir: makeTempDirectory(self))
        a.createLedger("cars")
        for i in 0..<6 { try a.insert("cars", car("V\(i)", i)) }
        let b = try TestNode(dir: makeTempDirectory(self))
        for (i, bytes) in a.replicator.log.enumerated() {
            XCTAssertEqual(b.machine.apply(index: UInt64(i + 1), command: bytes), a.replicator.results[i])
        }
        let da = try a.machine.digest(ledger: "cars")!
        let db = try b.machine.digest(ledger: "cars")!
        XCTAssertEqual(da.digest, db.digest)
        XCTAssertEqual(da.tip, db.tip)
        XCTAssertEqual(b.machine.info(named: "cars"), a.machine.info(named: "cars"))
    }

    func testCheckpointMismatchFlagsDivergenceAndStopsTheLedger() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        node.createLedger("cars")
        node.createLedger("boats")
        try node.insert("cars", car("V1"))
        try node.insert("boats", car("B1"))
        let ledger = node.machine.ledger(named: "cars")!
        let tx = ledger.begin()
        try tx.recordStatement(text: "INSERT INTO Cars ?", parameters: [])
        _ = try tx.insert(table: "Cars", document: car("V2"))
        let proposal = try tx.commit()!
        let bad = LedgerCheckpoint(sequenceNo: ledger.tip!.sequenceNo, blockHash: Array(repeating: 0xAB, count: 32))
        let result = try node.propose(.transaction(.init(ledgerName: "cars", proposal: proposal, checkpoint: bad)))
        guard case .rejected(.diverged(let message)) = result else { return XCTFail("applied despite divergence") }
        XCTAssertTrue(message.contains("DIVERGENCE"), message)
        XCTAssertNotNil(node.machine.divergence["cars"])
        XCTAssertNil(node.machine.ledger(named: "cars"), "sessions no longer get the diverged ledger")
        XCTAssertEqual(ledger.blockCount, 1)
        // Later transactions of that ledger are refused too; other ledgers go on.
        let tx2 = ledger.begin()
        try tx2.recordStatement(text: "INSERT INTO Cars ?", parameters: [])
        _ = try tx2.insert(table: "Cars", document: car("V3"))
        let again = try node.propose(node.machine.transactionCommand(ledger: "cars", proposal: try tx2.commit()!))
        guard case .rejected(.diverged) = again else { return XCTFail("diverged ledger applied") }
        XCTAssertEqual(try node.insert("boats", car("B2")).reply.sequenceNo, 1)
        // A checkpoint beyond this node's journal is divergence as well.
        XCTAssertNil(node.machine.divergence["boats"])
        let tx3 = node.machine.ledger(named: "boats")!.begin()
        try tx3.recordStatement(text: "INSERT INTO Cars ?", parameters: [])
        _ = try tx3.insert(table: "Cars", document: car("B3"))
        let ahead = LedgerCheckpoint(sequenceNo: 99, blockHash: Array(repeating: 1, count: 32))
        _ = try node.propose(.transaction(.init(ledgerName: "boats", proposal: try tx3.commit()!, checkpoint: ahead)))
        XCTAssertNotNil(node.machine.divergence["boats"])
    }

    static let sampleProposal = BlockProposal(
        transactionId: "Tx1", timestampMs: 1_700_000_000_001,
        statements: [.init(text: "INSERT INTO Cars ?", startTimeMs: 1_700_000_000_000,
                           parameters: [.struct([("VIN", .string("V1")), ("n", .int(3))])])],
        writes: [.init(tableId: "T1", tableName: "Cars", documentId: "D1", version: 0,
                       data: .struct([("VIN", .string("V1")), ("n", .int(3))]), statements: [0])],
        redactions: [])

    func testLogEntriesWithACommitDigestStillDecode() throws {
        // Older nodes wrote the proposal as a blob of `BlockProposal.encoded()` and an (unused) `commitDigest` blob.
        let legacy = IonValue.struct([("op", .string("transaction")), ("ledger", .string("cars")),
                                      ("proposal", .blob(Self.sampleProposal.encoded())), ("commitDigest", .blob([9, 9]))])
        XCTAssertEqual(try NodeCommand.decode(Ion.writeBinary([legacy])),
                       .transaction(.init(ledgerName: "cars", proposal: Self.sampleProposal, checkpoint: nil)))
    }

    func testTransactionCommandCarriesTheProposalInlineOnce() throws {
        let command = NodeCommand.transaction(.init(ledgerName: "cars", proposal: Self.sampleProposal, checkpoint: nil))
        let value = try Ion.read(command.encoded())[0]
        XCTAssertEqual(value[field: "block"], Self.sampleProposal.ion, "the proposal is a nested struct, not a blob")
        XCTAssertNil(value[field: "proposal"])
        // A legacy blob that does not hold a proposal is a malformed command.
        let bad = IonValue.struct([("op", .string("transaction")), ("ledger", .string("cars")), ("proposal", .blob([1, 2]))])
        XCTAssertThrowsError(try NodeCommand.decode(Ion.writeBinary([bad])))
    }

    func testStaleProposalIsRejectedAsOccConflict() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        node.createLedger("cars")
        let (_, id) = try node.insert("cars", car("V1"))
        let ledger = node.machine.ledger(named: "cars")!
        func update(_ n: Int) throws -> BlockProposal {
            let tx = ledger.begin()
            try tx.recordStatement(text: "UPDATE", parameters: [])
            try tx.update(table: "Cars", id: id, document: car("V1", n))
            return try tx.commit()!
        }
        let first = try update(2)
        let firstCommand = NodeCommand.transaction(.init(ledgerName: "cars", proposal: first, checkpoint: nil))
        guard case .applied = try node.propose(firstCommand) else { return XCTFail("first update refused") }
        // The same proposal again is stale: every node refuses it alike.
        let result = try node.propose(firstCommand)
        guard case .rejected(.occConflict) = result else { return XCTFail("stale proposal applied") }
        XCTAssertEqual(ledger.blockCount, 2)
    }

    func testTransactionOnMissingOrCreatingLedgerIsRefused() throws {
        let node = try TestNode(dir: makeTempDirectory(self))
        let proposal = BlockProposal(transactionId: "T", timestampMs: 1, statements: [], writes: [], redactions: [])
        let r = try node.propose(.transaction(.init(ledgerName: "nope", proposal: proposal, checkpoint: nil)))
        XCTAssertEqual(r, .rejected(.notFound("Ledger nope does not exist")))
        guard case .rejected(.invalidParameter) = node.machine.apply(index: 99, command: [1, 2, 3]) else { return XCTFail() }
        XCTAssertEqual(node.machine.appliedIndex, 99)
        // An index already applied is not applied again.
        XCTAssertEqual(node.machine.apply(index: 99, command: [1, 2, 3]), .applied(reply: []))
    }
}
