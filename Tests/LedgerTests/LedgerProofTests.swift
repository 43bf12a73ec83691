import Ion
import XCTest
@testable import Ledger

final class LedgerProofTests: XCTestCase {
    func testEveryRevisionAndBlockProvesAgainstEveryLaterTip() throws {
        for seed in [UInt64(1), 2, 3] {
            let clock = FakeClock()
            let ledger = try makeLedger(seed: seed, clock: clock)
            var workload = Workload(seed: seed)
            _ = try workload.run(ledger, clock: clock, blocks: 40)
            let strand = ledger.strandId
            var digests: [[UInt8]] = []
            for t in 0..<ledger.blockCount {
                digests.append(try ledger.digest(at: BlockAddress(strandId: strand, sequenceNo: t)))
            }
            XCTAssertEqual(digests.last, try ledger.digest().digest)
            for b in 0..<ledger.blockCount {
                let address = BlockAddress(strandId: strand, sequenceNo: b)
                let block = try ledger.block(at: address)
                for t in b..<ledger.blockCount {
                    let tip = BlockAddress(strandId: strand, sequenceNo: t)
                    let proof = try ledger.blockProof(blockAddress: address, tip: tip)
                    XCTAssertTrue(Ledger.verify(hash: block.blockHash, proof: proof, digest: digests[t]), "block \(b) tip \(t)")
                    for revision in block.revisions {
                        let proof = try ledger.revisionProof(blockAddress: address, documentId: revision.metadata.id, tip: tip)
                        XCTAssertTrue(Ledger.verify(hash: revision.hash, proof: proof, digest: digests[t]),
                                      "revision \(revision.metadata.id) block \(b) tip \(t) seed \(seed)")
                    }
                }
            }
        }
    }

    func testConsistencyProofsBetweenRandomTips() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(seed: 9, clock: clock)
        var workload = Workload(seed: 9)
        _ = try workload.run(ledger, clock: clock, blocks: 70)
        var rng = SeededGenerator(seed: 99)
        let strand = ledger.strandId
        for _ in 0..<200 {
            let a = Int(rng.next() % 70)
            let b = a + Int(rng.next() % UInt64(70 - a))
            let oldTip = BlockAddress(strandId: strand, sequenceNo: a)
            let newTip = BlockAddress(strandId: strand, sequenceNo: b)
            let oldDigest = try ledger.digest(at: oldTip)
            let newDigest = try ledger.digest(at: newTip)
            let proof = try ledger.consistencyProof(from: oldTip, to: newTip)
            XCTAssertTrue(Ledger.verifyConsistency(oldDigest: oldDigest, oldTip: oldTip, newDigest: newDigest, newTip: newTip, proof: proof),
                          "\(a) -> \(b)")
            if a < b {
                let bit = Int(rng.next() % 256)
                XCTAssertFalse(Ledger.verifyConsistency(oldDigest: flipBit(oldDigest, bit), oldTip: oldTip, newDigest: newDigest,
                                                        newTip: newTip, proof: proof))
                XCTAssertFalse(Ledger.verifyConsistency(oldDigest: oldDigest, oldTip: oldTip, newDigest: flipBit(newDigest, bit),
                                                        newTip: newTip, proof: proof))
            }
        }
    }

    func testOneFlippedBitAnywhereFailsVerification() throws {
        let clock = FakeClock()
        let ledger = try makeLedger(seed: 5, clock: clock)
        var workload = Workload(seed: 5)
        _ = try workload.run(ledger, clock: clock, blocks: 33)
        let (digest, tip) = try ledger.digest()
        var rng = SeededGenerator(seed: 55)
        for b in 0..<ledger.blockCount {
            let address = BlockAddress(strandId: ledger.strandId, sequenceNo: b)
            let block = try ledger.block(at: address)
            guard let revision = block.revisions.first else { continue }
            let proof = try ledger.revisionProof(blockAddress: address, documentId: revision.metadata.id, tip: tip)
            XCTAssertTrue(Ledger.verify(hash: revision.hash, proof: proof, digest: digest))
            for _ in 0..<8 {
                let bit = Int(rng.next() % 256)
                XCTAssertFalse(Ledger.verify(hash: flipBit(revision.hash, bit), proof: proof, digest: digest))
                XCTAssertFalse(Ledger.verify(hash: revision.hash, proof: proof, digest: flipBit(digest, bit)))
                if !proof.isEmpty {
                    var bad = proof
                    let i = Int(rng.next() % UInt64(proof.count))
                    bad[i] = flipBit(bad[i], bit)
                    XCTAssertFalse(Ledger.verify(hash: revision.hash, proof: bad, digest: digest))
                }
                // A flipped bit in the revision's data or metadata changes its recomputed hash.
                var tampered = revision
                tampered.metadata.version ^= 1 << (bit % 8)
                XCTAssertNotEqual(tampered.computedHash, revision.hash)
            }
        }
    }

    func testProofErrors() throws {
        let ledger = try makeLedger()
        XCTAssertThrowsError(try ledger.digest())
        try ledger.run { _ = try $0.createTable(name: "T", tags: []) }
        let tip = try XCTUnwrap(ledger.tip)
        XCTAssertThrowsError(try ledger.blockProof(blockAddress: BlockAddress(strandId: ledger.strandId, sequenceNo: 1), tip: tip))
        XCTAssertThrowsError(try ledger.blockProof(blockAddress: tip, tip: BlockAddress(strandId: "other", sequenceNo: 0)))
        XCTAssertThrowsError(try ledger.revisionProof(blockAddress: tip, documentId: "nope", tip: tip))
    }
}
