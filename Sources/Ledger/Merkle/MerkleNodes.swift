import Ion

/// Where a journal Merkle tree's nodes are kept (see `MerkleAccumulator` for
/// the tree's shape): node `index` at `height` covers leaves
/// [index·2^height, (index+1)·2^height). Every query — a root at any past
/// size, an audit path, a consistency proof — reads O(log n) stored nodes and
/// recomputes nothing from the leaves, whether the nodes are in memory or in
/// the state store.
public protocol MerkleNodes {
    /// Number of leaves appended.
    var count: Int { get }
    /// The stored hash of complete subtree `index` at `height`.
    func node(_ height: Int, _ index: Int) -> [UInt8]
}

/// Nodes that can grow by appending leaves.
public protocol MutableMerkleNodes: MerkleNodes {
    mutating func setNode(_ height: Int, _ index: Int, _ hash: [UInt8])
    mutating func setCount(_ count: Int)
}

extension MutableMerkleNodes {
    /// Appends one leaf (a 32-byte block hash). Amortised O(1) hash operations.
    public mutating func append(_ leafHash: [UInt8]) {
        let index = count
        MerkleAccumulator.append(leafHash, at: index, read: { node($0, $1) }, write: { setNode($0, $1, $2) })
        setCount(index + 1)
    }
}

extension MerkleAccumulator {
    /// Stores leaf `index` and every subtree it completes: the one append
    /// algorithm, for nodes in memory and nodes in a state store.
    static func append(_ leafHash: [UInt8], at leafIndex: Int, read: (Int, Int) -> [UInt8],
                       write: (Int, Int, [UInt8]) -> Void) {
        precondition(leafHash.count == hashSize, "Merkle leaves are 32-byte hashes, got \(leafHash.count) bytes")
        var index = leafIndex
        var height = 0
        var current = leafHash
        write(0, index, leafHash)
        // Each time a node completes the right half of a pair, its parent completes too.
        while index & 1 == 1 {
            current = QLDBHash.dot(read(height, index - 1), current)
            index >>= 1
            height += 1
            write(height, index, current)
        }
    }
}

extension MerkleNodes {
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
            let k = MerkleAccumulator.largestPowerOfTwo(below: n)
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
            let k = MerkleAccumulator.largestPowerOfTwo(below: n)
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

    /// Root of the left-balanced tree over leaves [start, start+size). `start`
    /// must be a multiple of the largest power of two ≤ size (true for every
    /// subtree of the RFC 6962 recursion). The tree is the descending powers of
    /// two of `size` as complete subtrees, joined from the right.
    func rangeRoot(start: Int, size: Int) -> [UInt8] {
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

}

extension MerkleAccumulator {
    /// Largest power of two strictly less than n (n ≥ 2).
    @inline(__always)
    static func largestPowerOfTwo(below n: Int) -> Int {
        1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}
