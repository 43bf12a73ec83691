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
public struct MerkleAccumulator: MutableMerkleNodes, Sendable {
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

    /// Stores node `index` at `height`; nodes of a level arrive in order.
    public mutating func setNode(_ height: Int, _ index: Int, _ hash: [UInt8]) {
        while levels.count <= height { levels.append([]) }
        precondition(levels[height].count == index * Self.hashSize, "Merkle nodes are stored in order")
        levels[height].append(contentsOf: hash)
    }

    public mutating func setCount(_ count: Int) { self.count = count }

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
    public func node(_ height: Int, _ index: Int) -> [UInt8] {
        let base = index * Self.hashSize
        return Array(levels[height][base ..< base + Self.hashSize])
    }

}
