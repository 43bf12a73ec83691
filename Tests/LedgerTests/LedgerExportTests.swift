import Foundation
import Ion
import XCTest
@testable import Ledger

final class LedgerExportTests: XCTestCase {
    func temporaryDirectory() -> String { temporaryPath("tally-export") }

    func testExportVerifiesAndRecomputesTheDigest() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(seed: 61, clock: clock)
        var workload = Workload(seed: 61)
        _ = try workload.run(ledger, clock: clock, blocks: 45)
        for format in [JournalExport.Format.ionText, .ionBinary] {
            let dir = temporaryDirectory()
            let keys = try JournalExport.write(ledger, ledgerName: "test", to: dir, format: format, blocksPerFile: 10)
            XCTAssertEqual(keys.count, 5)
            XCTAssertTrue(keys[0].hasSuffix("\(ledger.strandId).0-9.ion"), keys[0])
            let report = try JournalExport.verify(directory: dir)
            XCTAssertEqual(report.blocks, 45)
            XCTAssertEqual(report.digest, try ledger.digest().digest)
            XCTAssertEqual(report.tip, ledger.tip)
        }
        // A partial export verifies its own chain, without a digest.
        let dir = temporaryDirectory()
        try JournalExport.write(ledger, ledgerName: "test", to: dir, range: 10...20)
        let partial = try JournalExport.verify(directory: dir)
        XCTAssertEqual(partial.blocks, 11)
        XCTAssertNil(partial.digest)
    }

    func testJSONExportIsOneJSONObjectPerBlockAndIsNotOfferedForVerification() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(seed: 63, clock: clock)
        var workload = Workload(seed: 63)
        _ = try workload.run(ledger, clock: clock, blocks: 15)
        let dir = temporaryDirectory()
        let keys = try JournalExport.write(ledger, ledgerName: "test", to: dir, format: .json, blocksPerFile: 10)
        XCTAssertEqual(keys.count, 2)
        XCTAssertTrue(keys[0].hasSuffix("\(ledger.strandId).0-9.json"), keys[0])
        var blocks = 0
        for key in keys {
            let text = try String(contentsOfFile: "\(dir)/\(key)", encoding: .utf8)
            for line in text.split(separator: "\n") {
                let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                let address = try XCTUnwrap(object["blockAddress"] as? [String: Any])
                XCTAssertEqual(address["sequenceNo"] as? Int, blocks)
                XCTAssertEqual(address["strandId"] as? String, ledger.strandId)
                // Blobs become base64 strings: the block hash decodes to 32 bytes.
                let hash = try XCTUnwrap(object["blockHash"] as? String)
                XCTAssertEqual(Base64.decode(hash)?.count, 32)
                blocks += 1
            }
        }
        XCTAssertEqual(blocks, 15)
        XCTAssertThrowsError(try JournalExport.verify(directory: dir)) { error in
            XCTAssertTrue("\(error)".contains("JSON"), "\(error)")
        }
    }

    func testTamperedExportFails() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(seed: 62, clock: clock)
        var workload = Workload(seed: 62)
        _ = try workload.run(ledger, clock: clock, blocks: 12)
        let dir = temporaryDirectory()
        let keys = try JournalExport.write(ledger, ledgerName: "test", to: dir)
        let path = "\(dir)/\(keys[0])"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let tampered = text.replacingOccurrences(of: "k:1", with: "k:7")
        XCTAssertNotEqual(text, tampered)
        try tampered.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try JournalExport.verify(directory: dir)) { error in
            guard case LedgerError.corruptJournal = error else { return XCTFail("\(error)") }
        }
    }

    func testDemoWritesExportDigestAndProofs() throws {
        let dir = temporaryDirectory()
        let summary = try LedgerDemo.run(blocks: 30, seed: 7, directory: dir)
        XCTAssertTrue(summary.contains("30 blocks"), summary)
        let report = try JournalExport.verify(directory: dir)
        let digestFile = try Ion.read(JournalExport.read("\(dir)/digest.ion"))[0]
        XCTAssertEqual(report.digest, try IonRead.blob(digestFile, "digest"))
        let proofs = try Ion.read(JournalExport.read("\(dir)/proofs.ion"))
        XCTAssertGreaterThan(proofs.count, 60)
        for p in proofs {
            let proof = try IonRead.list(p, "proof").map { try IonRead.blob($0) }
            XCTAssertTrue(Ledger.verify(hash: try IonRead.blob(p, "hash"), proof: proof, digest: try IonRead.blob(p, "digest")))
        }
        // Same seed, same bytes.
        let again = temporaryDirectory()
        try LedgerDemo.run(blocks: 30, seed: 7, directory: again)
        XCTAssertEqual(try JournalExport.read("\(again)/proofs.ion"), try JournalExport.read("\(dir)/proofs.ion"))
    }
}
