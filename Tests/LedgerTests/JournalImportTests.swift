import Foundation
import Ion
import XCTest
@testable import Ledger

final class JournalImportTests: XCTestCase {
    func temporaryDirectory() -> String { temporaryPath("tally-import") }

    func qldbJournal(seed: UInt64 = 7, blocks: Int = 11) -> QLDBLayoutJournal {
        var journal = QLDBLayoutJournal(seed: seed)
        journal.appendDDLBlock()
        for n in 1..<blocks { journal.appendBlock(userRevisions: n % 3 == 2 ? 2 : 1, system: n % 4 == 1 ? 2 : 0) }
        return journal
    }

    /// Imports `directory` into a fresh ledger on `strandId`.
    func importLedger(_ directory: String, strandId: String, expected: JournalImport.ExpectedDigest? = nil,
                      store: JournalStore = MemoryJournalStore()) throws -> (Ledger, JournalImport.Report) {
        let ledger = try makeLedger(seed: 5, store: store, strandId: strandId)
        let report = try JournalImport.scan(directory: directory, expected: expected) { try ledger.appendImported($0) }
        return (ledger, report)
    }

    func testQLDBLayoutBlocksImportVerifyAndProve() throws {
        let journal = qldbJournal()
        XCTAssertEqual(journal.blocks[3].entriesHashList.count, 4)
        XCTAssertEqual(journal.blocks[3].revisions.count, 1)
        XCTAssertTrue(journal.blocks[3].systemRevisions.isEmpty)
        XCTAssertTrue(journal.blocks[3].entriesHashList.contains(journal.blocks[3].revisions[0].hash),
                      "a one-revision block carries the revision hash itself as one of its entries")
        for format in [JournalExport.Format.ionText, .ionBinary] {
            let dir = temporaryDirectory()
            try journal.write(to: dir, format: format)
            let tip = BlockAddress(strandId: journal.strandId, sequenceNo: journal.blocks.count - 1)
            let store = MemoryJournalStore()
            let (ledger, report) = try importLedger(dir, strandId: journal.strandId,
                                                    expected: .init(digest: journal.digest, tip: tip), store: store)
            XCTAssertTrue(report.digestChecked)
            XCTAssertEqual(report.blocks, journal.blocks.count)
            XCTAssertTrue(ledger.isImported)
            let (digest, ledgerTip) = try ledger.digest()
            XCTAssertEqual(digest, journal.digest)
            XCTAssertEqual(ledgerTip, tip)
            for original in journal.blocks {
                // GetBlock shows the block as QLDB wrote it: the same entries and hash-only revisions, no import mark.
                let payload = try ledger.blockPayload(address: original.address, tip: tip)
                let shown = try Block(ion: BlockCodec.decode(BlockCodec.encode(Ion.read(payload.ionText)[0])))
                XCTAssertFalse(payload.ionText.contains(Block.foreignAnnotation))
                XCTAssertEqual(shown.entriesHashList, original.entriesHashList)
                XCTAssertEqual(shown.systemRevisions, original.systemRevisions)
                XCTAssertEqual(shown.blockHash, original.blockHash)
                let blockProof = try Ion.read(XCTUnwrap(payload.proofIonText))[0]
                guard case .list(let proofValues) = blockProof.content else { return XCTFail("proof is not a list") }
                let proof = try proofValues.map { try IonRead.blob($0) }
                XCTAssertEqual(QLDBHash.fold(original.blockHash, proof: proof), journal.digest)
                for revision in original.revisions {
                    let path = try ledger.revisionProof(blockAddress: original.address, documentId: revision.metadata.id, tip: tip)
                    XCTAssertEqual(QLDBHash.fold(revision.hash, proof: path), journal.digest)
                    XCTAssertTrue(path.contains(original.previousBlockHash))
                    let shownRevision = try ledger.revision(at: original.address, documentId: revision.metadata.id)
                    XCTAssertEqual(shownRevision.hash, revision.hash)
                }
            }
            // The table QLDB created with hidden system revisions exists; new transactions continue the strand in Tally's layout.
            let block = try XCTUnwrap(ledger.run("INSERT INTO Vehicle ?") { tx in
                _ = try tx.insert(table: "Vehicle", document: doc(("VIN", .string("after-import"))))
            })
            XCTAssertEqual(block.address, BlockAddress(strandId: journal.strandId, sequenceNo: journal.blocks.count))
            XCTAssertEqual(block.previousBlockHash, journal.blocks.last!.blockHash)
            XCTAssertFalse(block.isForeign)
            XCTAssertEqual(ledger.state.documentIds(inTable: journal.tableId).count, journal.documents.count + 1)
            // The implicitly created table takes DDL (its first catalog revision), its index is built
            // over the imported documents, and history() shows imported revisions.
            try ledger.run("CREATE INDEX ON Vehicle (VIN)") { _ = try $0.createIndex(table: "Vehicle", field: "VIN") }
            let tx = ledger.begin()
            XCTAssertEqual(try tx.indexedFields(table: "Vehicle"), ["VIN"])
            XCTAssertEqual(try tx.lookup(table: "Vehicle", field: "VIN", value: .string("VIN-3-0")).count, 1)  // inserted in block 3, never updated
            let updated = journal.documents[0]
            XCTAssertEqual(try tx.history(table: "Vehicle", start: nil, end: nil, documentId: updated.id).count, updated.version + 1)
            let newTip = try ledger.digest()
            let proof = try ledger.revisionProof(blockAddress: block.address, documentId: block.revisions[0].metadata.id, tip: newTip.tip)
            XCTAssertEqual(QLDBHash.fold(block.revisions[0].hash, proof: proof), newTip.digest)
            // Reopening replays every imported block through the same checks.
            ledger.close()
            let reopened = try makeLedger(seed: 6, store: store)
            XCTAssertTrue(reopened.isImported)
            XCTAssertEqual(try reopened.digest().digest, newTip.digest)
        }
    }

    /// Regression: the scrubber's and `tally audit`'s chain verifier, and `verify-export` of an
    /// imported ledger's own export, took the first block's QLDB previousBlockHash and QLDB's layout as corruption.
    func testAnImportedJournalPassesTheChainVerifierAndReExportsVerifiably() throws {
        let journal = qldbJournal(seed: 19, blocks: 7)
        let dir = temporaryDirectory()
        try journal.write(to: dir, format: .ionBinary)
        let store = MemoryJournalStore()
        let (ledger, _) = try importLedger(dir, strandId: journal.strandId, store: store)
        try ledger.run("INSERT INTO Vehicle ?") { _ = try $0.insert(table: "Vehicle", document: doc(("VIN", .string("x")))) }
        var verifier = JournalChainVerifier()
        try store.forEach(from: 0) { _, record in try verifier.verify(record: record) }
        XCTAssertEqual(verifier.digest, try ledger.digest().digest)

        let again = temporaryDirectory()
        try JournalExport.write(ledger, ledgerName: "imported", to: again, format: .ionText, blocksPerFile: 3)
        let report = try JournalExport.verify(directory: again)
        XCTAssertEqual(report.digest, try ledger.digest().digest)
        XCTAssertEqual(report.qldbLayoutBlocks, journal.blocks.count)
        let (reimported, _) = try importLedger(again, strandId: journal.strandId)
        XCTAssertEqual(try reimported.digest().digest, try ledger.digest().digest)

        // A native journal does not take an imported record after its first block.
        let native = try makeLedger(seed: 21)
        try native.run("CREATE TABLE T") { _ = try $0.createTable(name: "T", tags: []) }
        var nativeVerifier = JournalChainVerifier()
        try nativeVerifier.verify(record: native.journalRecord(sequenceNo: 0))
        var foreign = journal.blocks[1]
        foreign.isForeign = true
        foreign.address = BlockAddress(strandId: native.strandId, sequenceNo: 1)
        XCTAssertThrowsError(try nativeVerifier.verify(record: BlockCodec.encode(foreign.recordIon))) { error in
            XCTAssertTrue("\(error)".contains("not imported"), "\(error)")
        }
    }

    func testATallyExportRoundTripsWithTheSameDigestAndProofs() throws {
        let clock = FakeClock()
        let original = try makeLedger(seed: 71, clock: clock)
        var workload = Workload(seed: 71)
        _ = try workload.run(original, clock: clock, blocks: 40)
        let (digest, tip) = try original.digest()
        for format in [JournalExport.Format.ionText, .ionBinary] {
            let dir = temporaryDirectory()
            try JournalExport.write(original, ledgerName: "orig", to: dir, format: format, blocksPerFile: 7)
            let (imported, _) = try importLedger(dir, strandId: original.strandId, expected: .init(digest: digest, tip: tip))
            XCTAssertEqual(try imported.digest().digest, digest)
            for seq in 0..<original.blockCount {
                let address = BlockAddress(strandId: original.strandId, sequenceNo: seq)
                XCTAssertEqual(try imported.blockProof(blockAddress: address, tip: tip),
                               try original.blockProof(blockAddress: address, tip: tip))
                for revision in try original.block(at: address).revisions {
                    XCTAssertEqual(try imported.revisionProof(blockAddress: address, documentId: revision.metadata.id, tip: tip),
                                   try original.revisionProof(blockAddress: address, documentId: revision.metadata.id, tip: tip))
                }
            }
        }
    }

    func testAFlippedBitAnywhereFailsTheImportAndNamesTheBlock() throws {
        let journal = qldbJournal(seed: 9, blocks: 6)
        for format in [JournalExport.Format.ionText, .ionBinary] {
            let dir = temporaryDirectory()
            let keys = try journal.write(to: dir, format: format, blocksPerFile: 3)
            for key in keys {
                let path = "\(dir)/\(key)"
                let pristine = try JournalExport.read(path)
                let whitespace: Set<UInt8> = [0x20, 0x0A, 0x09, 0x0B, 0x0C, 0x0D]
                var tried = 0
                var undetectedUnhashed = 0
                for position in stride(from: 0, to: pristine.count, by: max(1, pristine.count / 60)) {
                    // In Ion text, whitespace flipped to other whitespace is the same journal.
                    if format == .ionText, whitespace.contains(pristine[position]) { continue }
                    for bit in [0, 5] {
                        var damaged = pristine
                        damaged[position] ^= UInt8(1 << bit)
                        if format == .ionText, whitespace.contains(damaged[position]) { continue }
                        try Data(damaged).write(to: URL(fileURLWithPath: path))
                        tried += 1
                        do {
                            _ = try importLedger(dir, strandId: journal.strandId)
                            // QLDB's hashes do not cover blockTimestamp (blockHash = dot(entriesHash,
                            // previousBlockHash)) nor, in a block without user revisions, transactionId:
                            // the only change that may pass is one to those alone.
                            let changed = try Ion.read(damaged).map { try Block(ion: $0) }
                            let original = try Ion.read(pristine).map { try Block(ion: $0) }
                            XCTAssertEqual(changed.count, original.count)
                            var timestampsDiffer = false
                            for (c, o) in zip(changed, original) {
                                var c = c
                                timestampsDiffer = timestampsDiffer || c.timestampMs != o.timestampMs
                                    || (o.revisions.isEmpty && c.transactionId != o.transactionId)
                                c.timestampMs = o.timestampMs
                                if o.revisions.isEmpty { c.transactionId = o.transactionId }
                                XCTAssertTrue(BlockCodec.encode(c.ion) == BlockCodec.encode(o.ion),
                                               "\(format) \(key) byte \(position) bit \(bit) was not detected: " + Self.context(pristine, position))
                            }
                            XCTAssertTrue(timestampsDiffer, "\(format) \(key) byte \(position) bit \(bit) changed nothing")
                            undetectedUnhashed += 1
                        } catch {
                            XCTAssertNotNil((error as? ImportError)?.block, "\(error)")
                        }
                    }
                }
                try Data(pristine).write(to: URL(fileURLWithPath: path))
                XCTAssertGreaterThan(tried, 50)
                XCTAssertLessThan(undetectedUnhashed * 10, tried, "only bytes of fields no hash covers may pass")
            }
            XCTAssertNoThrow(try importLedger(dir, strandId: journal.strandId))
        }
    }

    static func context(_ bytes: [UInt8], _ at: Int) -> String {
        let slice = bytes[max(0, at - 30)..<min(bytes.count, at + 30)]
        return String(decoding: slice.map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: ".") }, as: UTF8.self)
    }

    func testMissingReorderedOrUnlistedDataObjectsAreRefused() throws {
        let journal = qldbJournal(seed: 11, blocks: 9)
        let dir = temporaryDirectory()
        let keys = try journal.write(to: dir, format: .ionText, blocksPerFile: 3)
        XCTAssertEqual(keys.count, 3)
        func refused(_ expected: String) {
            XCTAssertThrowsError(try importLedger(dir, strandId: journal.strandId)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        // Reordered in the manifest.
        try QLDBLayoutJournal.writeManifest([keys[0], keys[2], keys[1]], to: dir, strandId: journal.strandId)
        refused("out of order")
        // Left out of the manifest (a gap), while the file is still there.
        try QLDBLayoutJournal.writeManifest([keys[0], keys[2]], to: dir, strandId: journal.strandId)
        refused("block 3 was expected next")
        // The tail left out of the manifest: the object on disk is not listed.
        try QLDBLayoutJournal.writeManifest([keys[0], keys[1]], to: dir, strandId: journal.strandId)
        refused("is not listed")
        // Listed but missing.
        try QLDBLayoutJournal.writeManifest(keys, to: dir, strandId: journal.strandId)
        let moved = dir + "/moved"
        try FileManager.default.moveItem(atPath: "\(dir)/\(keys[1])", toPath: moved)
        refused("is missing")
        // Two objects' contents swapped under each other's names.
        try FileManager.default.moveItem(atPath: moved, toPath: "\(dir)/\(keys[1])")
        let first = try JournalExport.read("\(dir)/\(keys[0])")
        let second = try JournalExport.read("\(dir)/\(keys[1])")
        try JournalExport.write(second, to: "\(dir)/\(keys[0])")
        try JournalExport.write(first, to: "\(dir)/\(keys[1])")
        refused("block 0")
        try JournalExport.write(first, to: "\(dir)/\(keys[0])")
        try JournalExport.write(second, to: "\(dir)/\(keys[1])")
        XCTAssertNoThrow(try importLedger(dir, strandId: journal.strandId))
    }

    func testASavedDigestThatDiffersStopsTheImportAtItsTip() throws {
        let journal = qldbJournal(seed: 13, blocks: 5)
        let dir = temporaryDirectory()
        try journal.write(to: dir, format: .ionBinary)
        var wrong = journal.digest
        wrong[0] ^= 1
        let tip = BlockAddress(strandId: journal.strandId, sequenceNo: 4)
        XCTAssertThrowsError(try importLedger(dir, strandId: journal.strandId, expected: .init(digest: wrong, tip: tip))) { error in
            XCTAssertEqual((error as? ImportError)?.block, 4, "\(error)")
        }
        let beyond = BlockAddress(strandId: journal.strandId, sequenceNo: 9)
        XCTAssertThrowsError(try importLedger(dir, strandId: journal.strandId, expected: .init(digest: journal.digest, tip: beyond))) { error in
            XCTAssertTrue("\(error)".contains("the export ends at block 4"), "\(error)")
        }
        // A digest saved at an earlier tip is checked there.
        let earlier = QLDBHash.merkleRoot(journal.blocks.prefix(3).map(\.blockHash))
        let (_, report) = try importLedger(dir, strandId: journal.strandId,
                                           expected: .init(digest: earlier, tip: BlockAddress(strandId: journal.strandId, sequenceNo: 2)))
        XCTAssertTrue(report.description.contains("blocks 3-4 are covered by no saved digest"), report.description)
    }

    func testImportedJournalRecordsReplicateToAnotherNode() throws {
        let journal = qldbJournal(seed: 23, blocks: 6)
        let dir = temporaryDirectory()
        try journal.write(to: dir, format: .ionText)
        let (ledger, _) = try importLedger(dir, strandId: journal.strandId)
        // Catch-up streams the records as stored (marked imported); the other node recomputes every hash.
        let follower = try makeLedger(seed: 24, strandId: journal.strandId)
        for seq in 0..<ledger.blockCount { try follower.appendReplicated(record: ledger.journalRecord(sequenceNo: seq)) }
        XCTAssertTrue(follower.isImported)
        XCTAssertEqual(try follower.digest().digest, journal.digest)
        // A record whose QLDB entries were altered is refused there too.
        var forged = try Block(ion: BlockCodec.decode(ledger.journalRecord(sequenceNo: 2)))
        forged.entriesHashList[3] = journal.blocks[0].entriesHashList[0]
        let other = try makeLedger(seed: 25, strandId: journal.strandId)
        try other.appendReplicated(record: ledger.journalRecord(sequenceNo: 0))
        try other.appendReplicated(record: ledger.journalRecord(sequenceNo: 1))
        XCTAssertThrowsError(try other.appendReplicated(record: BlockCodec.encode(forged.recordIon))) { error in
            XCTAssertTrue("\(error)".contains("entriesHash"), "\(error)")
        }
        XCTAssertEqual(other.blockCount, 2)
    }

    func testABlockWithoutRevisionsOrDocumentsDecodes() throws {
        let journal = qldbJournal(seed: 27, blocks: 1)
        guard case .struct(let fields) = journal.blocks[0].ion.content else { return XCTFail("not a struct") }
        let withoutRevisions = IonValue(.struct(fields.filter { $0.name.text != "revisions" }))
        var block = try Block(ion: withoutRevisions)
        XCTAssertTrue(block.revisions.isEmpty && block.systemRevisions.isEmpty)
        XCTAssertTrue(try block.documentTables().isEmpty)
        // Without its system entries the revisions' root is gone, but every other QLDB check still holds.
        block.isForeign = true
        XCTAssertNil(BlockHasher.checkForeign(block, previousBlockHash: block.previousBlockHash))
    }

    func testALedgerThatWasNotImportedRefusesImportedBlocks() throws {
        let ledger = try makeLedger(seed: 15)
        try ledger.run("CREATE TABLE T") { _ = try $0.createTable(name: "T", tags: []) }
        var journal = QLDBLayoutJournal(seed: 15, strandId: ledger.strandId)
        journal.appendBlock()
        journal.appendBlock()
        var second = journal.blocks[1]
        second.previousBlockHash = try ledger.digest().digest  // irrelevant: refused before any hash
        XCTAssertThrowsError(try ledger.appendImported(second)) { error in
            XCTAssertTrue("\(error)".contains("not created by an import"), "\(error)")
        }
        XCTAssertEqual(ledger.blockCount, 1)
    }

    func testAJSONExportIsCheckedAsFarAsItCanBeAndNotImported() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(seed: 17, clock: clock)
        var workload = Workload(seed: 17)
        _ = try workload.run(ledger, clock: clock, blocks: 12)
        let dir = temporaryDirectory()
        let keys = try JournalExport.write(ledger, ledgerName: "j", to: dir, format: .json, blocksPerFile: 5)
        XCTAssertThrowsError(try importLedger(dir, strandId: ledger.strandId)) { error in
            XCTAssertTrue("\(error)".contains("Verified from its hashes: the chain of 12 blocks"), "\(error)")
            XCTAssertTrue("\(error)".contains("Not verifiable: revision hashes"), "\(error)")
        }
        // A changed hash in a JSON export is still caught.
        var text = try String(contentsOfFile: "\(dir)/\(keys[1])", encoding: .utf8)
        let hash = try XCTUnwrap(text.range(of: "\"entriesHash\":\""))
        let at = text.index(hash.upperBound, offsetBy: 3)
        text.replaceSubrange(at...at, with: text[at] == "A" ? "B" : "A")
        try text.write(toFile: "\(dir)/\(keys[1])", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try importLedger(dir, strandId: ledger.strandId)) { error in
            XCTAssertEqual((error as? ImportError)?.block, 5, "\(error)")
        }
    }
}
