import Foundation
import Ion
import XCTest
@testable import Ledger
import Checksum

/// Redaction erases the data from the journal files themselves, crash-safely,
/// and every hash, proof and the digest stay as they were.
final class LedgerErasureTests: XCTestCase {
    let secret = "SECRET-4f1b9c-do-not-keep-this-anywhere-on-disk"

    func temporaryDirectory() -> String { temporaryPath("tally-erasure") }

    func journalBytes(_ dir: String) throws -> [UInt8] {
        var all: [UInt8] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where name.hasSuffix(".seg") {
            all += [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)))
        }
        return all
    }

    func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard haystack.count >= n.count else { return false }
        return (0...(haystack.count - n.count)).contains { haystack[$0..<$0 + n.count].elementsEqual(n) }
    }

    /// A ledger with a document whose first revision holds the secret, then an update.
    func seeded(_ dir: String) throws -> (Ledger, FileJournalStore, String, String, BlockAddress) {
        let store = try FileJournalStore.open(directory: dir)
        let ledger = try makeLedger(store: store)
        var tableId = ""
        try ledger.run { tableId = try $0.createTable(name: "T", tags: []) }
        var id = ""
        try ledger.run { id = try $0.insert(table: "T", document: doc(("secret", .string(self.secret)), ("n", .int(1)))) }
        let address = ledger.tip!
        try ledger.run { try $0.update(table: "T", id: id, document: doc(("secret", .string("public")), ("n", .int(2)))) }
        try ledger.sync()
        return (ledger, store, tableId, id, address)
    }

    func redact(_ ledger: Ledger, _ address: BlockAddress, _ tableId: String, _ id: String) throws {
        let tx = ledger.begin()
        try tx.recordStatement(text: "EXEC REDACT_REVISION ?, ?, ?", parameters: [])
        _ = try tx.redactRevision(blockAddress: address.ion, tableID: tableId, documentID: id)
        _ = try XCTUnwrap(ledger.commit(tx))
        try ledger.sync()
    }

    func testRedactionErasesTheDataFromTheJournalFiles() throws {
        let dir = temporaryDirectory()
        let (ledger, store, tableId, id, address) = try seeded(dir)
        XCTAssertTrue(contains(try journalBytes(dir), secret), "the secret is on disk before the redaction")
        let before = try ledger.digest(at: address)
        try redact(ledger, address, tableId, id)
        XCTAssertFalse(contains(try journalBytes(dir), secret), "the secret is gone from every segment")
        XCTAssertEqual(ledger.unerasedRedactions, 0)
        let digest = try ledger.digest()
        XCTAssertEqual(try ledger.digest(at: address), before, "history's digests are unchanged")
        let revision = try ledger.revision(at: address, documentId: id)
        XCTAssertNil(revision.data)
        XCTAssertNotNil(revision.dataHash)
        store.close()

        // Reopen: the erased record re-verifies, replays the redaction as done, and proofs still fold.
        let reopened = try makeLedger(store: try FileJournalStore.open(directory: dir))
        XCTAssertEqual(try reopened.digest().digest, digest.digest)
        let again = try reopened.revision(at: address, documentId: id)
        XCTAssertEqual(again.dataHash, revision.dataHash)
        let proof = try reopened.revisionProof(blockAddress: address, documentId: id, tip: digest.tip)
        XCTAssertTrue(Ledger.verify(hash: again.hash, proof: proof, digest: digest.digest))
    }

    func testAnInterruptedOverwriteIsFinishedOnOpen() throws {
        let dir = temporaryDirectory()
        let (ledger, store, tableId, id, address) = try seeded(dir)
        // Erase through the store's intent, but "crash" right after the intent is durable:
        // write the intent file by hand with the erased frame, leaving the segment untouched.
        let original = try store.read(address.sequenceNo)
        var block = try Block(ion: BlockCodec.decode(original))
        let r = try XCTUnwrap(block.revisions.firstIndex { $0.metadata.id == id })
        block.revisions[r] = block.revisions[r].redacted()
        var erased = BlockCodec.encode(block.ion)
        erased += [UInt8](repeating: 0, count: original.count - erased.count)
        let frame = FileJournalStore.frameHeader(erased) + erased
        let segment = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".seg") })
        var offset = FileJournalStore.segmentHeaderSize
        for i in 0..<address.sequenceNo { offset += FileJournalStore.recordHeaderSize + (try store.read(i)).count }
        let intent = JournalOverwrite.encodeIntent(segmentName: segment, offset: offset, frame: frame)
        _ = tableId
        _ = ledger
        store.close()
        try Data(intent).write(to: URL(fileURLWithPath: dir + "/" + JournalOverwrite.intentName))
        XCTAssertTrue(contains(try journalBytes(dir), secret))

        let reopened = try makeLedger(store: try FileJournalStore.open(directory: dir))
        XCTAssertFalse(contains(try journalBytes(dir), secret), "open finished the overwrite")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/" + JournalOverwrite.intentName))
        XCTAssertNotNil(try reopened.revision(at: address, documentId: id).dataHash, "the record itself is redacted")

        // A torn intent is ignored: nothing is written.
        let dir2 = temporaryDirectory()
        let (_, store2, _, _, _) = try seeded(dir2)
        store2.close()
        try Data(intent.dropLast(7)).write(to: URL(fileURLWithPath: dir2 + "/" + JournalOverwrite.intentName))
        let untouched = try makeLedger(store: try FileJournalStore.open(directory: dir2))
        XCTAssertTrue(contains(try journalBytes(dir2), secret))
        XCTAssertEqual(untouched.blockCount, 3)
    }

    func testOverwriteKeepsLengthAndSyncedOnly() throws {
        let store = MemoryJournalStore()
        _ = try store.append([1, 2, 3])
        XCTAssertThrowsError(try store.overwrite(0, with: [4, 5, 6]), "unsynced records are not overwritten")
        try store.sync()
        XCTAssertThrowsError(try store.overwrite(0, with: [4, 5]))
        try store.overwrite(0, with: [4, 5, 6])
        XCTAssertEqual(try store.read(0), [4, 5, 6])
    }
}
