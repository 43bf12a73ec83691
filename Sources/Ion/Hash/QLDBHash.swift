/// QLDB's hash combinators over 32-byte SHA-256 digests.
public enum QLDBHash {
    /// Orders two hashes as QLDB does: compare as signed bytes, starting
    /// from the last byte. True when `a` goes first.
    public static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var i = min(a.count, b.count) - 1
        while i >= 0 {
            let x = Int8(bitPattern: a[i])
            let y = Int8(bitPattern: b[i])
            if x != y { return x < y }
            i -= 1
        }
        return false
    }

    /// Joins two hashes the way QLDB's verifiers do (`join_hash_pairwise`):
    /// an empty side is the identity; otherwise SHA-256 of the two in order.
    public static func dot(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        return precedes(a, b) ? SHA256.hash(a, b) : SHA256.hash(b, a)
    }

    /// pyqldb's `QldbHash.dot`, which differs from `dot` only when one side is
    /// empty: it then hashes the other side once more. Tally never builds a
    /// block with an empty hash, so only the commit digest could meet this.
    public static func driverDot(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        if a.isEmpty || b.isEmpty { return SHA256.hash(a.isEmpty ? b : a) }
        return dot(a, b)
    }

    /// The Merkle root of PROTOCOL.md §3.5: pair neighbours left to right
    /// with `dot`, carry an odd last element up unchanged, repeat. Empty → empty.
    public static func merkleRoot(_ leaves: [[UInt8]]) -> [UInt8] {
        guard !leaves.isEmpty else { return [] }
        var level = leaves
        while level.count > 1 {
            var next: [[UInt8]] = []
            next.reserveCapacity((level.count + 1) / 2)
            var i = 0
            while i + 1 < level.count {
                next.append(dot(level[i], level[i + 1]))
                i += 2
            }
            if i < level.count { next.append(level[i]) }
            level = next
        }
        return level[0]
    }

    /// Folds a proof into a starting hash: `acc = dot(acc, p)` for each p.
    public static func fold(_ start: [UInt8], proof: [[UInt8]]) -> [UInt8] {
        proof.reduce(start) { dot($0, $1) }
    }

    /// The commit digest the drivers send (PROTOCOL.md §1.7.3):
    /// H(txId), then for each statement `dot` its hash with each parameter's.
    public static func commitDigest(transactionID: String, statements: [(text: String, parameters: [IonValue])]) -> [UInt8] {
        var acc = IonValue.string(transactionID).ionHash
        for statement in statements {
            acc = dot(acc, statementHash(statement.text, parameters: statement.parameters))
        }
        return acc
    }

    /// One statement's hash: H(text) dotted with H(p) for each parameter.
    public static func statementHash(_ text: String, parameters: [IonValue]) -> [UInt8] {
        var hash = IonValue.string(text).ionHash
        for parameter in parameters { hash = dot(hash, parameter.ionHash) }
        return hash
    }
}
