import Ion

/// The journal-level Merkle tree of PROTOCOL.md §3.8: leaves are block hashes in
/// sequence order, the shape is that of `QLDBHash.merkleRoot` (neighbours paired
/// left to right, an odd last node carried up unchanged), which is the RFC 6962
/// left-balanced tree:
///
///     root(n) = dot(root(first 2^k leaves), root(the rest)),  2^k the largest power of two < n
///
/// with nodes joined by the order-independent `QLDBHash.dot`.
///
/// Storage: for every height h the hashes of all *complete aligned* subtrees
/// (node i at height h covers leaves [i·2^h, (i+1)·2^h)) in one flat byte buffer,
/// 32 bytes per node — about 64 bytes per leaf in total. Every query (a root at
/// any past size, an audit path, a consistency proof) is answered from those
/// stored nodes with O(log n) hash operations; nothing is recomputed from the leaves.
public struct MerkleAccumulator: Sendable {
    /// Bytes in one hash (SHA-256).
    public static let hashSize = 32

    /// `levels[h]` holds the complete subtrees of height h, 32 bytes each, in order.
    /// `levels[0]` is the leaves themselves.
    private var levels: [[UInt8]]

    /// Number of leaves appended.
    public private(set) var count: Int

    public init() {
        levels = [[]]
        count = 0
    }

    /// An accumulator over `leaves`, in order.
    public init<S: Sequence>(leaves: S) where S.Element == [UInt8] {
        self.init()
        for leaf in leaves { append(leaf) }
    }

    // MARK: - Building

    /// Appends one leaf (a 32-byte block hash). Amortised O(1) hash operations.
    public mutating func append(_ leafHash: [UInt8]) {
        precondition(leafHash.count == Self.hashSize, "Merkle leaves are 32-byte hashes, got \(leafHash.count) bytes")
        levels[0].append(contentsOf: leafHash)
        var index = count
        var height = 0
        count += 1
        // Each time a node completes the right half of a pair, its parent completes too.
        while index & 1 == 1 {
            let parent = QLDBHash.dot(node(height, index - 1), node(height, index))
            if levels.count == height + 1 {
                levels.append([])
            }
            levels[height + 1].append(contentsOf: parent)
            index >>= 1
            height += 1
        }
    }

    /// Forgets every leaf from `size` on (for a journal whose unacknowledged tail
    /// was dropped). O(log n).
    public mutating func truncate(to size: Int) {
        precondition(size >= 0 && size <= count, "truncate(to: \(size)) with \(count) leaves")
        var height = 0
        while height < levels.count {
            let keep = (size >> height) * Self.hashSize
            if levels[height].count > keep {
                levels[height].removeSubrange(keep...)
            }
            height += 1
        }
        while levels.count > 1 && levels[levels.count - 1].isEmpty {
            levels.removeLast()
        }
        count = size
    }

    // MARK: - Queries

    /// The leaf hash at `index`.
    public func leaf(_ index: Int) -> [UInt8] {
        precondition(index >= 0 && index < count, "leaf \(index) of \(count)")
        return node(0, index)
    }

    /// The digest over all leaves appended so far (empty when there are none).
    public var root: [UInt8] { root(size: count) }

    /// The digest over the first `size` leaves: equal to
    /// `QLDBHash.merkleRoot(Array(leaves[0..<size]))`. Empty for size 0.
    public func root(size: Int) -> [UInt8] {
        precondition(size >= 0 && size <= count, "root(size: \(size)) with \(count) leaves")
        if size == 0 { return [] }
        return rangeRoot(start: 0, size: size)
    }

    /// `root(size:)`, or nil when `size` is outside 0...count.
    public func rootIfValid(size: Int) -> [UInt8]? {
        guard size >= 0 && size <= count else { return nil }
        return root(size: size)
    }

    /// The sibling hashes from leaf `leaf` up to the root of the tree over the
    /// first `size` leaves, bottom-up, such that
    /// `QLDBHash.fold(leafHash, proof: path) == root(size: size)` — the check
    /// QLDB's client-side verifiers run. Requires 0 ≤ leaf < size ≤ count.
    public func auditPath(leaf: Int, size: Int) -> [[UInt8]] {
        precondition(leaf >= 0 && leaf < size && size <= count,
                     "auditPath(leaf: \(leaf), size: \(size)) with \(count) leaves")
        // Walk down from the root (RFC 6962 §2.1.1 PATH), collecting siblings
        // top-down; the proof is their reverse.
        var siblings: [[UInt8]] = []
        var start = 0
        var n = size
        var m = leaf
        while n > 1 {
            let k = Self.largestPowerOfTwo(below: n)
            if m < k {
                siblings.append(rangeRoot(start: start + k, size: n - k))
                n = k
            } else {
                siblings.append(rangeRoot(start: start, size: k))
                start += k
                m -= k
                n -= k
            }
        }
        siblings.reverse()
        return siblings
    }

    /// `auditPath(leaf:size:)`, or nil when the arguments (for example from a
    /// client-supplied block address and digest tip) are out of range.
    public func auditPathIfValid(leaf: Int, size: Int) -> [[UInt8]]? {
        guard leaf >= 0 && leaf < size && size <= count else { return nil }
        return auditPath(leaf: leaf, size: size)
    }

    /// A proof that the tree of `newSize` leaves extends the tree of `oldSize`
    /// leaves (RFC 6962 §2.1.2 PROOF/SUBPROOF, with `dot` as the node join).
    /// Empty when oldSize is 0 or oldSize == newSize. Requires 0 ≤ oldSize ≤ newSize ≤ count.
    public func consistencyProof(from oldSize: Int, to newSize: Int) -> [[UInt8]] {
        precondition(oldSize >= 0 && oldSize <= newSize && newSize <= count,
                     "consistencyProof(from: \(oldSize), to: \(newSize)) with \(count) leaves")
        if oldSize == 0 || oldSize == newSize { return [] }
        // SUBPROOF(m, D[start..<start+n], b), iteratively: siblings are collected
        // top-down and emitted after the terminal node, bottom-up.
        var siblings: [[UInt8]] = []
        var start = 0
        var n = newSize
        var m = oldSize
        var isWholeOldTree = true   // RFC's `b`
        while m != n {
            let k = Self.largestPowerOfTwo(below: n)
            if m <= k {
                siblings.append(rangeRoot(start: start + k, size: n - k))
                n = k
            } else {
                siblings.append(rangeRoot(start: start, size: k))
                start += k
                m -= k
                n -= k
                isWholeOldTree = false
            }
        }
        var proof: [[UInt8]] = []
        proof.reserveCapacity(siblings.count + 1)
        if !isWholeOldTree {
            proof.append(rangeRoot(start: start, size: n))
        }
        proof.append(contentsOf: siblings.reversed())
        return proof
    }

    /// `consistencyProof(from:to:)`, or nil when the sizes are out of range.
    public func consistencyProofIfValid(from oldSize: Int, to newSize: Int) -> [[UInt8]]? {
        guard oldSize >= 0 && oldSize <= newSize && newSize <= count else { return nil }
        return consistencyProof(from: oldSize, to: newSize)
    }

    // MARK: - Verification (no accumulator needed)

    /// Inclusion check as QLDB clients run it: `fold(leafHash, proof) == root`.
    public static func verifyInclusion(leafHash: [UInt8], path: [[UInt8]], root: [UInt8]) -> Bool {
        guard leafHash.count == hashSize, root.count == hashSize,
              path.allSatisfy({ $0.count == hashSize }) else { return false }
        return QLDBHash.fold(leafHash, proof: path) == root
    }

    /// Checks that the tree with digest `newRoot` over `newSize` leaves extends the
    /// tree with digest `oldRoot` over `oldSize` leaves, given `proof` from
    /// `consistencyProof(from: oldSize, to: newSize)` (RFC 9162 §2.1.4.2, with `dot`).
    ///
    /// Like RFC 6962, a root does not commit to its tree size: the sizes are
    /// trusted inputs (an auditor keeps the size with the digest).
    public static func verifyConsistency(oldRoot: [UInt8], oldSize: Int, newRoot: [UInt8], newSize: Int,
                                         proof: [[UInt8]]) -> Bool {
        guard oldSize >= 0, newSize >= oldSize else { return false }
        guard proof.allSatisfy({ $0.count == hashSize }) else { return false }
        if oldSize == 0 {
            // Every tree extends the empty one; there is nothing to prove.
            return proof.isEmpty && oldRoot.isEmpty && (newSize == 0 ? newRoot.isEmpty : newRoot.count == hashSize)
        }
        guard oldRoot.count == hashSize, newRoot.count == hashSize else { return false }
        if oldSize == newSize {
            return proof.isEmpty && oldRoot == newRoot
        }
        guard !proof.isEmpty else { return false }

        var path = proof[...]
        let first: [UInt8]
        if oldSize & (oldSize - 1) == 0 {
            // The old tree is a complete subtree: its root is the proof's implicit first node.
            first = oldRoot
        } else {
            first = path.removeFirst()
        }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = first
        var sr = first
        for c in path {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = QLDBHash.dot(c, fr)
                sr = QLDBHash.dot(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = QLDBHash.dot(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == newRoot
    }

    // MARK: - Internals

    /// The stored hash of complete subtree `index` at `height`.
    @inline(__always)
    private func node(_ height: Int, _ index: Int) -> [UInt8] {
        let base = index * Self.hashSize
        return Array(levels[height][base ..< base + Self.hashSize])
    }

    /// Root of the left-balanced tree over leaves [start, start+size). `start`
    /// must be a multiple of the largest power of two ≤ size (true for every
    /// subtree of the RFC 6962 recursion). The tree is the descending powers of
    /// two of `size` as complete subtrees, joined from the right.
    private func rangeRoot(start: Int, size: Int) -> [UInt8] {
        precondition(size >= 1 && start + size <= count)
        var pieces: [[UInt8]] = []
        var offset = start
        var remaining = size
        while remaining > 0 {
            let height = Int.bitWidth - 1 - remaining.leadingZeroBitCount   // largest 2^h ≤ remaining
            let width = 1 << height
            assert(offset & (width - 1) == 0, "unaligned subtree")
            pieces.append(node(height, offset >> height))
            offset += width
            remaining -= width
        }
        var acc = pieces.removeLast()
        while let next = pieces.popLast() {
            acc = QLDBHash.dot(next, acc)
        }
        return acc
    }

    /// Largest power of two strictly less than n (n ≥ 2).
    @inline(__always)
    static func largestPowerOfTwo(below n: Int) -> Int {
        1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}
