import Ion

/// Sibling paths in the Merkle tree of PROTOCOL.md §3.5 (pair neighbours left
/// to right with `dot`, carry an odd last element up): folding the path into
/// leaf `index` with `dot` gives `QLDBHash.merkleRoot(leaves)`.
enum MerklePath {
    static func siblings(leaves: [[UInt8]], index: Int) -> [[UInt8]] {
        var level = leaves
        var i = index
        var path: [[UInt8]] = []
        while level.count > 1 {
            let sibling = i ^ 1
            if sibling < level.count { path.append(level[sibling]) }
            var next: [[UInt8]] = []
            next.reserveCapacity((level.count + 1) / 2)
            var j = 0
            while j + 1 < level.count {
                next.append(QLDBHash.dot(level[j], level[j + 1]))
                j += 2
            }
            if j < level.count { next.append(level[j]) }
            level = next
            i /= 2
        }
        return path
    }
}
