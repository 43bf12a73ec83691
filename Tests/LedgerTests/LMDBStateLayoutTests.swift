import Checksum
import Foundation
import Ion
import LMDB
import XCTest
@testable import Ledger

/// The state store's plain binary records (counters, table counters, block
/// summaries), the format change that empties a store for a rebuild, and the
/// decoded catalog rows it keeps across blocks.
final class LMDBStateLayoutTests: XCTestCase {
    func directory() -> String { temporaryPath("tally-layout") }

    /// Appending leaves writes Merkle nodes in strictly increasing key order,
    /// every key past all earlier ones (right-edge inserts fill LMDB's pages),
    /// and no two nodes share a key.
    func testMerkleNodesAreWrittenInKeyOrder() {
        var written: [[UInt8]] = []
        var nodes: [[Int]: [UInt8]] = [:]
        for leaf in 0..<2_050 {
            MerkleAccumulator.append([UInt8](repeating: UInt8(leaf & 0xFF), count: 32), at: leaf,
                                     read: { nodes[[$0, $1]]! },
                                     write: { nodes[[$0, $1]] = $2; written.append(LMDBStateLayout.merkleKey($0, $1)) })
        }
        XCTAssertEqual(written.count, nodes.count)
        for (a, b) in zip(written, written.dropFirst()) {
            XCTAssertTrue(a.lexicographicallyPrecedes(b), "\(a) then \(b)")
        }
        XCTAssertEqual(LMDBStateLayout.merkleKey(0, 5), [0, 0, 0, 0, 0, 0, 0, 5, 0])
        XCTAssertEqual(LMDBStateLayout.merkleKey(3, 1), [0, 0, 0, 0, 0, 0, 0, 15, 3], "covers leaves 8…15")
    }

    func testCountersRoundTripAndRefuseAnyOtherLength() throws {
        var c = StateCounters()
        c.blockCount = 1_234_567
        c.ddlCounter = 9
        c.lastTimestampMs = -5
        c.indexedBytes = -40   // transiently negative during a redaction's accounting
        let bytes = LMDBStateLayout.encode(c)
        XCTAssertEqual(bytes.count, 32)
        XCTAssertEqual(try LMDBStateLayout.decodeCounters(bytes), c)
        XCTAssertEqual(try LMDBStateLayout.decodeCounters(LMDBStateLayout.encode(StateCounters())), StateCounters())
        XCTAssertThrowsError(try LMDBStateLayout.decodeCounters(Array(bytes.dropLast())))
        XCTAssertThrowsError(try LMDBStateLayout.decodeCounters(bytes + [0]))
        let t = LMDBStateLayout.encodeTableCounters(writeCounter: 77, documentCount: 3)
        XCTAssertEqual(try LMDBStateLayout.decodeTableCounters(t).writeCounter, 77)
        XCTAssertEqual(try LMDBStateLayout.decodeTableCounters(t).documentCount, 3)
        XCTAssertThrowsError(try LMDBStateLayout.decodeTableCounters(Array(t.prefix(15))))
    }

    func testBlockSummaryRoundTripsAndRefusesTruncatedOrLongerRecords() throws {
        let summary = BlockSummary(transactionId: "tx-é", timestampMs: 1_700_000_000_123,
                                   blockHash: Array(repeating: 1, count: 32), previousBlockHash: Array(repeating: 2, count: 32),
                                   entriesHashList: [Array(repeating: 3, count: 32), Array(repeating: 4, count: 32)],
                                   revisionHashes: [Array(repeating: 5, count: 32)], documentIds: ["doc-1"])
        let bytes = LMDBStateLayout.encode(summary)
        XCTAssertEqual(try LMDBStateLayout.decodeSummary(bytes), summary)
        let empty = BlockSummary(transactionId: "", timestampMs: 0, blockHash: [], previousBlockHash: [],
                                 entriesHashList: [], revisionHashes: [], documentIds: [])
        XCTAssertEqual(try LMDBStateLayout.decodeSummary(LMDBStateLayout.encode(empty)), empty)
        for n in 0..<bytes.count {
            XCTAssertThrowsError(try LMDBStateLayout.decodeSummary(Array(bytes.prefix(n))), "truncated at \(n)")
        }
        XCTAssertThrowsError(try LMDBStateLayout.decodeSummary(bytes + [0]))
        // A list count far beyond the record's bytes is refused before anything is allocated for it.
        var huge = ByteWriter()
        huge.string("t")
        huge.int64(0)
        huge.blob([])
        huge.blob([])
        huge.varint(UInt64(UInt32.max))
        XCTAssertThrowsError(try LMDBStateLayout.decodeSummary(huge.bytes))
    }

    /// The previous block's hash, read without decoding the rest of its summary.
    func testTheBlockHashIsReadAloneFromASummary() throws {
        let summary = BlockSummary(transactionId: "tx-é", timestampMs: -5, blockHash: Array(repeating: 9, count: 32),
                                   previousBlockHash: [1], entriesHashList: [[2]], revisionHashes: [], documentIds: ["d"])
        let bytes = LMDBStateLayout.encode(summary)
        XCTAssertEqual(try LMDBStateLayout.summaryBlockHash(bytes), summary.blockHash)
        let upToTheHash = 1 + "tx-é".utf8.count + 8 + 1 + 32
        XCTAssertEqual(try LMDBStateLayout.summaryBlockHash(Array(bytes.prefix(upToTheHash))), summary.blockHash)
        for n in 0..<upToTheHash {
            XCTAssertThrowsError(try LMDBStateLayout.summaryBlockHash(Array(bytes.prefix(n))), "truncated at \(n)")
        }
        let dir = directory()
        let ledger = try Ledger.open(store: MemoryJournalStore(), options: Ledger.Options(stateDirectory: dir))
        defer { ledger.close() }
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        try ledger.beginBatch()
        for i in 0..<5 { try ledger.run { _ = try $0.insert(table: "T", document: doc(("n", .int(i)))) } }
        for seq in 0..<ledger.blockCount {   // in the batch's write transaction, then in a read transaction
            XCTAssertEqual(ledger.state.blockHash(seq), ledger.state.blockSummary(seq)?.blockHash)
        }
        try ledger.flushBatch()
        for seq in 0..<ledger.blockCount {
            XCTAssertEqual(ledger.state.blockHash(seq), ledger.state.blockSummary(seq)?.blockHash)
        }
        XCTAssertNil(ledger.state.blockHash(ledger.blockCount))
        XCTAssertNil(ledger.state.blockHash(-1))
    }

    func testRevisionsOfEveryKindRoundTripAndTruncationsAreRefused() throws {
        let metadata = RevisionMetadata(id: "doc-1", version: 3, txTimeMs: 1_700_000_000_456, txId: "tx-1")
        let address = BlockAddress(strandId: "strand", sequenceNo: 42)
        let data = IonValue.struct([("name", .string("é")), ("n", .int(-7)), ("nested", .list([.symbol("s"), .null]))])
        let live = Revision(blockAddress: address, hash: Array(repeating: 9, count: 32), data: data, metadata: metadata)
        let deleted = Revision(blockAddress: address, hash: Array(repeating: 8, count: 32), data: nil, metadata: metadata)
        let redacted = live.redacted()
        for revision in [live, deleted, redacted] {
            let bytes = LMDBStateLayout.encode(revision)
            let back = try LMDBStateLayout.decodeRevision(bytes)
            XCTAssertEqual(BlockCodec.text(back.ion), BlockCodec.text(revision.ion))
            XCTAssertEqual(back.isDeleted, revision.isDeleted)
            XCTAssertEqual(back.isRedacted, revision.isRedacted)
            for n in 0..<bytes.count {
                XCTAssertThrowsError(try LMDBStateLayout.decodeRevision(Array(bytes.prefix(n))), "truncated at \(n)")
            }
            XCTAssertThrowsError(try LMDBStateLayout.decodeRevision(bytes + [0]))
        }
        var unknownKind = LMDBStateLayout.encode(deleted)
        unknownKind[0] = 3
        XCTAssertThrowsError(try LMDBStateLayout.decodeRevision(unknownKind))
    }

    func testAStoreOfAnotherFormatIsEmptiedAndRebuiltFromTheJournal() throws {
        let journal = MemoryJournalStore(), clock = FakeClock(), dir = directory()
        let options = Ledger.Options(ids: IDGenerator(SeededGenerator(seed: 3)), clock: { clock.now }, stateDirectory: dir)
        let ledger = try Ledger.open(store: journal, options: options)
        var w = Workload(seed: 21)
        _ = try w.run(ledger, clock: clock, blocks: 40)
        let digest = try ledger.digest().digest
        ledger.close()
        // The store as an older version of Tally left it (its records are laid out differently).
        let old = try LMDBStateStore(directory: dir)
        try old.env.write { txn in try txn.put(old.dbs.meta, Array("format".utf8), Key.int64(1)) }
        old.close()

        let reopened = try Ledger.open(store: journal, options: options)
        XCTAssertEqual(reopened.openStats.rebuilt, "it has format 1, not \(LMDBStateLayout.format)")
        XCTAssertEqual(reopened.openStats.fromCheckpoint, 0)
        XCTAssertEqual(reopened.openStats.blocks, 40)
        XCTAssertEqual(try reopened.digest().digest, digest)
        reopened.close()
        let again = try Ledger.open(store: journal, options: options)
        XCTAssertNil(again.openStats.rebuilt)
        XCTAssertEqual(again.openStats.fromCheckpoint, 40)
        again.close()
    }

    /// A batch that fails is aborted: the catalog row its DDL cached must not
    /// outlive it (reads go back to the last commit, which has no index).
    func testAFailedBatchLeavesNoCachedCatalogRowBehind() throws {
        let clock = FakeClock()
        let source = try Ledger.open(store: MemoryJournalStore(), options: Ledger.Options(clock: { clock.now }))
        try source.run { tx in _ = try tx.createTable(name: "T", tags: []) }
        try source.run { tx in _ = try tx.createIndex(table: "T", field: "k") }
        let blocks = try (0..<2).map { try source.block(at: BlockAddress(strandId: source.strandId, sequenceNo: $0)) }
        let tableId = try XCTUnwrap(source.state.activeTable(named: "T")?.id)

        let store = try LMDBStateStore(directory: directory())
        defer { store.close() }
        try store.apply(blocks[0])
        try store.beginBatch()
        try store.apply(blocks[1])
        XCTAssertEqual(store.view.table(tableId)?.indexes.count, 1, "the batch sees its own DDL")
        XCTAssertThrowsError(try store.apply(blocks[1]), "the same catalog version twice does not apply")
        XCTAssertNil(store.batch)
        XCTAssertEqual(store.view.blockCount, 1)
        XCTAssertEqual(store.view.table(tableId)?.indexes.count, 0, "the aborted DDL is not served from the cache")
        XCTAssertEqual(store.view.table(tableId)?.catalogVersion, 0)
        // The same block applies again once the batch is gone.
        try store.apply(blocks[1])
        XCTAssertEqual(store.view.table(tableId)?.indexes.count, 1)
    }
}
