import Ion

/// QLDB's own block rule, for blocks imported from a QLDB journal export
/// (the checks of QLDB's published verifier, `JournalBlock.verifyBlockHash`):
/// the block's `entriesHashList` holds entries Tally does not produce, so it
/// is kept exactly as written and only what can be recomputed is:
/// - every user revision's hash from its data and metadata;
/// - `H(transactionInfo)` (and `H(redactionInfo)`) is one of the entries;
/// - the Merkle root of the `revisions` list (user and hash-only system
///   entries, in order) is one of the entries;
/// - `entriesHash = MerkleRoot(entriesHashList)`, `blockHash = dot(entriesHash, previousBlockHash)`.
extension BlockHasher {
    static func checkForeign(_ block: Block, previousBlockHash: [UInt8]) -> String? {
        if block.previousBlockHash != previousBlockHash {
            return "previousBlockHash \(Hex.encode(block.previousBlockHash)) is not the preceding block's hash \(Hex.encode(previousBlockHash))"
        }
        if block.entriesHashList.isEmpty { return "entriesHashList is empty" }
        if let bad = block.entriesHashList.first(where: { $0.count != SHA256.byteCount }) {
            return "entriesHashList holds a \(bad.count)-byte entry"
        }
        for revision in block.revisions {
            if revision.blockAddress != block.address { return "revision of \(revision.metadata.id) has another blockAddress" }
            if revision.metadata.txId != block.transactionId { return "revision of \(revision.metadata.id) has another txId" }
            let computed = revision.computedHash
            if computed != revision.hash {
                return "hash of revision \(revision.metadata.id) version \(revision.metadata.version) is "
                    + "\(Hex.encode(revision.hash)) in the block, \(Hex.encode(computed)) from its data and metadata"
            }
        }
        // Every document transactionInfo names has its revision here and no other: a user revision
        // cannot be turned into a hash-only entry, or left out, unnoticed.
        let listed: Set<String>
        do { listed = Set(try block.documentTables().keys) } catch { return "transactionInfo.documents: \(error)" }
        let revised = Set(block.revisions.map(\.metadata.id))
        if listed != revised {
            let missing = listed.subtracting(revised).sorted().first.map { "document \($0) of transactionInfo has no revision" }
            return missing ?? "revision of \(revised.subtracting(listed).sorted().first!) not listed in transactionInfo.documents"
        }
        let entries = Set(block.entriesHashList)
        let infoHash = block.transactionInfo.ionHash
        if !entries.contains(infoHash) { return "H(transactionInfo) \(Hex.encode(infoHash)) is not in entriesHashList" }
        if let redactionInfo = block.redactionInfo, !entries.contains(redactionInfo.ionHash) {
            return "H(redactionInfo) is not in entriesHashList"
        }
        let leaves = block.revisionLeaves
        if !leaves.isEmpty {
            let root = QLDBHash.merkleRoot(leaves)
            if !entries.contains(root) {
                return "the Merkle root of the revision hashes \(Hex.encode(root)) is not in entriesHashList"
            }
        }
        let entriesHash = QLDBHash.merkleRoot(block.entriesHashList)
        if entriesHash != block.entriesHash {
            return "entriesHash is \(Hex.encode(block.entriesHash)), the Merkle root of entriesHashList is \(Hex.encode(entriesHash))"
        }
        let blockHash = QLDBHash.dot(entriesHash, previousBlockHash)
        if blockHash != block.blockHash {
            return "blockHash is \(Hex.encode(block.blockHash)), dot(entriesHash, previousBlockHash) is \(Hex.encode(blockHash))"
        }
        return nil
    }
}
