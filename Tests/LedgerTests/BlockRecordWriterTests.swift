import Ion
import XCTest
@testable import Ledger

/// The journal record written straight from a block holds exactly the value
/// `Block.recordIon` builds, for every kind of block: inserts, updates,
/// deletes, DDL, redactions and erased revisions (a seeded workload), and
/// imported blocks with hash-only revisions and the foreign annotation.
final class BlockRecordWriterTests: XCTestCase {
    func assertRecordHoldsTheBlock(_ block: Block, file: StaticString = #filePath, line: UInt = #line) throws {
        let record = BlockCodec.record(block)
        XCTAssertEqual(try Ion.read(record), [block.recordIon], "block \(block.address.sequenceNo)", file: file, line: line)
        // Never longer than the generic encoder's record: erasure in place (which rewrites a record
        // that encoder may have written, and must fit in it) loses nothing by the change of writer.
        // (A block without revisions lists preset names it does not use; no revision of it can be erased.)
        if !block.revisions.isEmpty {
            XCTAssertLessThanOrEqual(record.count, BlockCodec.encode(block.recordIon).count, file: file, line: line)
        }
        XCTAssertEqual(try Block(ion: BlockCodec.decode(record)).blockHash, block.blockHash, file: file, line: line)
    }

    func testEveryBlockOfASeededWorkload() throws {
        var kinds = (redaction: 0, deleted: 0)
        for seed in 1...3 as ClosedRange<UInt64> {
            let ledger = try workloadLedger(seed: seed, blocks: 300)
            for n in 0..<ledger.blockCount {
                let block = try Block(ion: BlockCodec.decode(ledger.journalRecord(sequenceNo: n)))
                if block.redactionInfo != nil { kinds.redaction += 1 }
                kinds.deleted += block.revisions.filter(\.isDeleted).count
                try assertRecordHoldsTheBlock(block)
            }
        }
        XCTAssertGreaterThan(kinds.redaction, 0, "the workload redacts")
        XCTAssertGreaterThan(kinds.deleted, 0, "and deletes")
    }

    func testImportedBlocksKeepHashOnlyRevisionsAndTheAnnotation() throws {
        var journal = QLDBLayoutJournal(seed: 7)
        journal.appendDDLBlock()
        for n in 0..<20 { journal.appendBlock(userRevisions: 1 + n % 3, system: n % 4) }
        for var block in journal.blocks {
            block.isForeign = true
            try assertRecordHoldsTheBlock(block)
            XCTAssertEqual(try Ion.read(BlockCodec.record(block)).first?.annotations, [IonSymbol(Block.foreignAnnotation)])
        }
    }

    func testManyFieldNamesPresetNamesAndAnErasedRevision() throws {
        // Past the interner's linear search, and user fields named like the record's own.
        var fields: [(String, IonValue)] = (0..<40).map { ("f\($0)", .int($0)) }
        fields += [("id", .string("mine")), ("hash", .symbol("data")), ("version", IonValue(.null(.int), annotations: ["txId"]))]
        let ledger = try makeLedger()
        var tableId = "", id = ""
        try ledger.run { tableId = try $0.createTable(name: "T", tags: []) }
        try ledger.run { id = try $0.insert(table: "T", document: .struct(fields)) }
        let first = ledger.tip!
        try ledger.run { try $0.update(table: "T", id: id, document: .struct([("n", .int(2))])) }
        let tx = ledger.begin()
        try tx.recordStatement(text: "EXEC REDACT_REVISION ?, ?, ?", parameters: [])
        _ = try tx.redactRevision(blockAddress: first.ion, tableID: tableId, documentID: id)
        _ = try XCTUnwrap(ledger.commit(tx))
        XCTAssertEqual(ledger.unerasedRedactions, 0)
        var erased = 0
        for n in 0..<ledger.blockCount {
            let block = try Block(ion: BlockCodec.decode(ledger.journalRecord(sequenceNo: n)))
            erased += block.revisions.filter(\.isRedacted).count
            try assertRecordHoldsTheBlock(block)
        }
        XCTAssertEqual(erased, 1, "the first revision's record was erased")
    }
}
