import Foundation
import Ion
import Ledger
import XCTest

/// The ledger's seeded SplitMix64, for reproducible random sizes.
typealias MerkleTestRNG = SeededGenerator

final class MerkleTests: XCTestCase {
    static func leafHashes(_ n: Int, salt: String = "leaf") -> [[UInt8]] {
        (0..<n).map { SHA256.hash(Array("\(salt) \($0)".utf8)) }
    }

    static func accumulator(_ leaves: [[UInt8]]) -> MerkleAccumulator {
        var acc = MerkleAccumulator()
        for leaf in leaves { acc.append(leaf) }
        return acc
    }

    static func flipping(_ bytes: [UInt8], bit: Int) -> [UInt8] {
        var copy = bytes
        copy[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
        return copy
    }

    // MARK: Roots

    func testEmptyAccumulator() {
        let acc = MerkleAccumulator()
        XCTAssertEqual(acc.count, 0)
        XCTAssertEqual(acc.root(size: 0), [])
        XCTAssertEqual(acc.root, [])
        XCTAssertNil(acc.rootIfValid(size: 1))
        XCTAssertNil(acc.auditPathIfValid(leaf: 0, size: 0))
        XCTAssertEqual(acc.consistencyProofIfValid(from: 0, to: 0), [])
    }

    func testRootEqualsMerkleRootForEverySmallSize() {
        let leaves = Self.leafHashes(70)
        var acc = MerkleAccumulator()
        for (i, leaf) in leaves.enumerated() {
            acc.append(leaf)
            XCTAssertEqual(acc.count, i + 1)
            XCTAssertEqual(acc.root, QLDBHash.merkleRoot(Array(leaves[0...i])), "size \(i + 1)")
        }
        // Every past size, asked afterwards.
        for size in 0...70 {
            XCTAssertEqual(acc.root(size: size), QLDBHash.merkleRoot(Array(leaves[0..<size])), "size \(size)")
        }
        XCTAssertEqual(acc.leaf(17), leaves[17])
    }

    func testRootEqualsMerkleRootForRandomLargerSizes() {
        var rng = MerkleTestRNG(seed: 1)
        let leaves = Self.leafHashes(5000, salt: "big")
        let acc = Self.accumulator(leaves)
        var sizes = [64, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4095, 4096, 4097, 5000]
        for _ in 0..<20 { sizes.append(Int.random(in: 71...5000, using: &rng)) }
        for size in sizes {
            XCTAssertEqual(acc.root(size: size), QLDBHash.merkleRoot(Array(leaves[0..<size])), "size \(size)")
        }
    }

    func testTruncateThenAppendAgain() {
        let leaves = Self.leafHashes(300)
        var acc = Self.accumulator(leaves)
        for size in [299, 256, 200, 129, 1, 0] {
            acc.truncate(to: size)
            XCTAssertEqual(acc.count, size)
            XCTAssertEqual(acc.root, QLDBHash.merkleRoot(Array(leaves[0..<size])))
            for leaf in leaves[size...] { acc.append(leaf) }
            XCTAssertEqual(acc.root, QLDBHash.merkleRoot(leaves))
            acc.truncate(to: size)
        }
    }

    // MARK: Audit paths

    func testEveryAuditPathFoldsToTheRootForSmallSizes() {
        let leaves = Self.leafHashes(70)
        let acc = Self.accumulator(leaves)
        for size in 1...70 {
            let root = acc.root(size: size)
            for leaf in 0..<size {
                let path = acc.auditPath(leaf: leaf, size: size)
                XCTAssertEqual(QLDBHash.fold(leaves[leaf], proof: path), root, "leaf \(leaf) size \(size)")
                XCTAssertTrue(MerkleAccumulator.verifyInclusion(leafHash: leaves[leaf], path: path, root: root))
                XCTAssertLessThanOrEqual(path.count, Int.bitWidth - (size - 1).leadingZeroBitCount)
            }
        }
    }

    func testAuditPathMatchesPublishedProofLength() {
        // PROTOCOL.md §3.8: block 21 under tip 46 (47 leaves) has a 6-hash block path;
        // an odd block's first sibling is the previous block's hash.
        let leaves = Self.leafHashes(47)
        let acc = Self.accumulator(leaves)
        let path = acc.auditPath(leaf: 21, size: 47)
        XCTAssertEqual(path.count, 6)
        XCTAssertEqual(path[0], leaves[20])
    }

    func testAuditPathsAtRandomLargeSizes() {
        var rng = MerkleTestRNG(seed: 2)
        let leaves = Self.leafHashes(20_000, salt: "audit")
        let acc = Self.accumulator(leaves)
        for _ in 0..<300 {
            let size = Int.random(in: 1...20_000, using: &rng)
            let leaf = Int.random(in: 0..<size, using: &rng)
            let path = acc.auditPath(leaf: leaf, size: size)
            XCTAssertEqual(QLDBHash.fold(leaves[leaf], proof: path), acc.root(size: size), "leaf \(leaf) size \(size)")
        }
        let root = acc.root
        XCTAssertEqual(root, QLDBHash.merkleRoot(leaves))
        for leaf in [0, 1, 16_383, 16_384, 19_998, 19_999] {
            XCTAssertEqual(QLDBHash.fold(leaves[leaf], proof: acc.auditPath(leaf: leaf, size: 20_000)), root)
        }
    }

    func testTamperedAuditPathsFail() {
        let leaves = Self.leafHashes(19)
        let acc = Self.accumulator(leaves)
        for size in 1...19 {
            let root = acc.root(size: size)
            for leaf in 0..<size {
                let path = acc.auditPath(leaf: leaf, size: size)
                for bit in 0..<256 {
                    XCTAssertFalse(MerkleAccumulator.verifyInclusion(
                        leafHash: Self.flipping(leaves[leaf], bit: bit), path: path, root: root))
                    XCTAssertFalse(MerkleAccumulator.verifyInclusion(
                        leafHash: leaves[leaf], path: path, root: Self.flipping(root, bit: bit)))
                    for i in path.indices {
                        var bad = path
                        bad[i] = Self.flipping(bad[i], bit: bit)
                        XCTAssertFalse(MerkleAccumulator.verifyInclusion(leafHash: leaves[leaf], path: bad, root: root))
                    }
                }
                // A path for another size (or a dropped/extra element) does not verify.
                if !path.isEmpty {
                    XCTAssertFalse(MerkleAccumulator.verifyInclusion(leafHash: leaves[leaf], path: Array(path.dropLast()), root: root))
                }
                XCTAssertFalse(MerkleAccumulator.verifyInclusion(leafHash: leaves[leaf], path: path + [leaves[0]], root: root))
            }
        }
    }

    func testAuditPathIfValidRejectsOutOfRange() {
        let acc = Self.accumulator(Self.leafHashes(10))
        XCTAssertNil(acc.auditPathIfValid(leaf: -1, size: 5))
        XCTAssertNil(acc.auditPathIfValid(leaf: 5, size: 5))
        XCTAssertNil(acc.auditPathIfValid(leaf: 0, size: 11))
        XCTAssertNil(acc.auditPathIfValid(leaf: 0, size: 0))
        XCTAssertNotNil(acc.auditPathIfValid(leaf: 9, size: 10))
        XCTAssertNil(acc.consistencyProofIfValid(from: 5, to: 4))
        XCTAssertNil(acc.consistencyProofIfValid(from: 0, to: 11))
        XCTAssertNil(acc.consistencyProofIfValid(from: -1, to: 3))
        XCTAssertNotNil(acc.consistencyProofIfValid(from: 3, to: 10))
        XCTAssertNil(acc.rootIfValid(size: -1))
    }

    // MARK: Consistency proofs

    func testConsistencyProofsBetweenAllSmallSizes() {
        let leaves = Self.leafHashes(40, salt: "consistency")
        let acc = Self.accumulator(leaves)
        for newSize in 0...40 {
            for oldSize in 0...newSize {
                let proof = acc.consistencyProof(from: oldSize, to: newSize)
                XCTAssertTrue(MerkleAccumulator.verifyConsistency(
                    oldRoot: acc.root(size: oldSize), oldSize: oldSize,
                    newRoot: acc.root(size: newSize), newSize: newSize, proof: proof),
                    "\(oldSize) → \(newSize)")
                XCTAssertLessThanOrEqual(proof.count, 2 * (Int.bitWidth - newSize.leadingZeroBitCount) + 1)
            }
        }
    }

    func testConsistencyProofsBetweenRandomSizes() {
        var rng = MerkleTestRNG(seed: 3)
        let leaves = Self.leafHashes(10_000, salt: "wide")
        let acc = Self.accumulator(leaves)
        var pairs: [(Int, Int)] = [(1, 10_000), (8192, 10_000), (8193, 10_000), (9999, 10_000), (4096, 8192)]
        for _ in 0..<400 {
            let a = Int.random(in: 1...10_000, using: &rng)
            let b = Int.random(in: 1...10_000, using: &rng)
            pairs.append((min(a, b), max(a, b)))
        }
        for (oldSize, newSize) in pairs {
            let proof = acc.consistencyProof(from: oldSize, to: newSize)
            XCTAssertTrue(MerkleAccumulator.verifyConsistency(
                oldRoot: acc.root(size: oldSize), oldSize: oldSize,
                newRoot: acc.root(size: newSize), newSize: newSize, proof: proof),
                "\(oldSize) → \(newSize)")
        }
    }

    func testTamperedConsistencyProofsFail() {
        let leaves = Self.leafHashes(21, salt: "tamper")
        let acc = Self.accumulator(leaves)
        for newSize in 1...21 {
            for oldSize in 1...newSize {
                let proof = acc.consistencyProof(from: oldSize, to: newSize)
                let oldRoot = acc.root(size: oldSize)
                let newRoot = acc.root(size: newSize)
                func verify(_ o: [UInt8], _ n: [UInt8], _ p: [[UInt8]]) -> Bool {
                    MerkleAccumulator.verifyConsistency(oldRoot: o, oldSize: oldSize, newRoot: n, newSize: newSize, proof: p)
                }
                XCTAssertTrue(verify(oldRoot, newRoot, proof))
                for bit in 0..<256 {
                    XCTAssertFalse(verify(Self.flipping(oldRoot, bit: bit), newRoot, proof), "old root bit \(bit) \(oldSize)→\(newSize)")
                    XCTAssertFalse(verify(oldRoot, Self.flipping(newRoot, bit: bit), proof), "new root bit \(bit) \(oldSize)→\(newSize)")
                    for i in proof.indices {
                        var bad = proof
                        bad[i] = Self.flipping(bad[i], bit: bit)
                        XCTAssertFalse(verify(oldRoot, newRoot, bad), "element \(i) bit \(bit) \(oldSize)→\(newSize)")
                    }
                }
                if !proof.isEmpty {
                    XCTAssertFalse(verify(oldRoot, newRoot, Array(proof.dropLast())))
                    XCTAssertFalse(verify(oldRoot, newRoot, Array(proof.dropFirst())))
                }
                XCTAssertFalse(verify(oldRoot, newRoot, proof + [leaves[0]]))
                XCTAssertFalse(verify(oldRoot, newRoot, [[]] + proof))
            }
        }
    }

    func testConsistencyWithWrongSizesFails() {
        let n = 24
        let leaves = Self.leafHashes(n, salt: "sizes")
        let acc = Self.accumulator(leaves)
        var proofs: [[Int]: [[UInt8]]] = [:]
        for b in 1...n { for a in 1...b { proofs[[a, b]] = acc.consistencyProof(from: a, to: b) } }
        for (pair, proof) in proofs {
            // The proof for (a, b) must not pass for any other pair of sizes with that pair's true roots,
            // unless that pair's own proof is literally the same list (e.g. every (m, m) has the empty proof).
            for (other, otherProof) in proofs where other != pair && otherProof != proof {
                XCTAssertFalse(MerkleAccumulator.verifyConsistency(
                    oldRoot: acc.root(size: other[0]), oldSize: other[0],
                    newRoot: acc.root(size: other[1]), newSize: other[1], proof: proof),
                    "proof \(pair) accepted for sizes \(other)")
            }
            // Sizes the other way round, or negative.
            if pair[0] != pair[1] {
                XCTAssertFalse(MerkleAccumulator.verifyConsistency(
                    oldRoot: acc.root(size: pair[1]), oldSize: pair[1], newRoot: acc.root(size: pair[0]),
                    newSize: pair[0], proof: proof))
            }
            XCTAssertFalse(MerkleAccumulator.verifyConsistency(
                oldRoot: acc.root(size: pair[0]), oldSize: -pair[0], newRoot: acc.root(size: pair[1]), newSize: pair[1],
                proof: proof))
            // A new root taken from a smaller tree than claimed.
            if pair[0] < pair[1] {
                XCTAssertFalse(MerkleAccumulator.verifyConsistency(
                    oldRoot: acc.root(size: pair[0]), oldSize: pair[0], newRoot: acc.root(size: pair[1] - 1),
                    newSize: pair[1], proof: proof))
            }
        }
        // True roots, but a claimed new size whose tree is taller than the proof reaches.
        for b in 2...n {
            for a in 1..<b {
                let proof = proofs[[a, b]]!
                XCTAssertFalse(MerkleAccumulator.verifyConsistency(
                    oldRoot: acc.root(size: a), oldSize: a, newRoot: acc.root(size: b), newSize: 2 * b, proof: proof),
                    "\(a) → \(b) accepted as \(a) → \(2 * b)")
            }
        }
        // Everything extends the empty tree, with an empty proof only.
        XCTAssertTrue(MerkleAccumulator.verifyConsistency(oldRoot: [], oldSize: 0, newRoot: acc.root, newSize: n, proof: []))
        XCTAssertFalse(MerkleAccumulator.verifyConsistency(oldRoot: [], oldSize: 0, newRoot: acc.root, newSize: n, proof: [leaves[0]]))
        XCTAssertFalse(MerkleAccumulator.verifyConsistency(oldRoot: leaves[0], oldSize: 0, newRoot: acc.root, newSize: n, proof: []))
    }

    // MARK: Figures

    /// Prints timings; meaningful only in a release build.
    func testTimingFigures() {
        let n = ProcessInfo.processInfo.environment["TALLY_MERKLE_BENCH_LEAVES"].flatMap(Int.init) ?? 100_000
        let leaves = Self.leafHashes(n, salt: "bench")
        var start = DispatchTime.now().uptimeNanoseconds
        let acc = Self.accumulator(leaves)
        let appendNs = DispatchTime.now().uptimeNanoseconds - start
        var rng = MerkleTestRNG(seed: 4)
        let rounds = 2000
        start = DispatchTime.now().uptimeNanoseconds
        var sink = 0
        for _ in 0..<rounds {
            let size = Int.random(in: (n / 2)...n, using: &rng)
            sink &+= acc.auditPath(leaf: Int.random(in: 0..<size, using: &rng), size: size).count
        }
        let auditNs = (DispatchTime.now().uptimeNanoseconds - start) / UInt64(rounds)
        start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds {
            let a = Int.random(in: 1...n, using: &rng)
            sink &+= acc.consistencyProof(from: a, to: Int.random(in: a...n, using: &rng)).count
        }
        let consistencyNs = (DispatchTime.now().uptimeNanoseconds - start) / UInt64(rounds)
        start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds { sink &+= acc.root(size: Int.random(in: 1...n, using: &rng)).count }
        let rootNs = (DispatchTime.now().uptimeNanoseconds - start) / UInt64(rounds)
        print("Merkle figures (\(n) leaves): append \(appendNs / UInt64(n)) ns/leaf, root(size:) \(rootNs / 1000) µs, "
              + "auditPath \(auditNs / 1000) µs, consistencyProof \(consistencyNs / 1000) µs [\(sink)]")
    }
}
