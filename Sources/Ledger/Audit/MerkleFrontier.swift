import Ion

/// The right edge of a journal Merkle tree: one hash per complete subtree of
/// the binary decomposition of the leaf count (O(log n) memory), enough to
/// compute the digest while streaming the leaves once — what an audit needs,
/// where `MerkleAccumulator` would keep every node.
struct MerkleFrontier {
    private(set) var count = 0
    /// (height, hash), tallest first.
    private var peaks: [(height: Int, hash: [UInt8])] = []

    mutating func append(_ leafHash: [UInt8]) {
        var node = (height: 0, hash: leafHash)
        while let last = peaks.last, last.height == node.height {
            peaks.removeLast()
            node = (node.height + 1, QLDBHash.dot(last.hash, node.hash))
        }
        peaks.append(node)
        count += 1
    }

    /// Equal to `MerkleNodes.root(size: count)` (empty for no leaves).
    var root: [UInt8] {
        guard var acc = peaks.last?.hash else { return [] }
        for peak in peaks.dropLast().reversed() { acc = QLDBHash.dot(peak.hash, acc) }
        return acc
    }
}
