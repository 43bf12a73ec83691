import Ion

/// Digests and proofs (PROTOCOL.md §3.7–3.8). The digest at tip `t` is the
/// Merkle root (§3.5 pairing, `dot`) over the block hashes of blocks `0...t`.
/// A proof is a list of hashes that folds with `dot` from a revision hash (or
/// block hash) to that digest.
extension Ledger {
    /// The digest of the whole journal and its tip (the latest block).
    public func digest() throws -> (digest: [UInt8], tip: BlockAddress) {
        guard let tip else { throw LedgerError.emptyJournal }
        return (StateMerkle(state: state).root(size: state.blockCount), tip)
    }

    /// The digest as it was when `tip` was the latest block.
    public func digest(at tip: BlockAddress) throws -> [UInt8] {
        StateMerkle(state: state).root(size: try size(at: tip))
    }

    func size(at tip: BlockAddress) throws -> Int {
        guard tip.strandId == strandId, tip.sequenceNo >= 0, tip.sequenceNo < state.blockCount else {
            throw LedgerError.invalidTip(tip)
        }
        return tip.sequenceNo + 1
    }

    func sequence(of address: BlockAddress, tip: BlockAddress) throws -> Int {
        let size = try size(at: tip)
        guard address.strandId == strandId, address.sequenceNo >= 0, address.sequenceNo < size else {
            throw LedgerError.unknownBlock(address)
        }
        return address.sequenceNo
    }

    /// Folds from `blockHash` of `blockAddress` to the digest at `tip`.
    public func blockProof(blockAddress: BlockAddress, tip: BlockAddress) throws -> [[UInt8]] {
        let seq = try sequence(of: blockAddress, tip: tip)
        return StateMerkle(state: state).auditPath(leaf: seq, size: tip.sequenceNo + 1)
    }

    /// Folds from the revision's hash to the digest at `tip`: siblings in the
    /// block's revisions tree, siblings in the `entriesHashList` tree, the
    /// `previousBlockHash`, then the block's audit path in the journal tree.
    public func revisionProof(blockAddress: BlockAddress, documentId: String, tip: BlockAddress) throws -> [[UInt8]] {
        let seq = try sequence(of: blockAddress, tip: tip)
        let summary = state.blockSummary(seq)!
        guard !documentId.isEmpty, let index = summary.documentIds.firstIndex(of: documentId) else {
            throw LedgerError.unknownRevision(blockAddress, documentId: documentId)
        }
        // Tally's blocks put the revisions' root first; QLDB's (imported) anywhere in the list.
        let root = QLDBHash.merkleRoot(summary.revisionHashes)
        guard let entry = summary.entriesHashList.firstIndex(of: root) else {
            throw LedgerError.corruptJournal(sequenceNo: seq, reason: "the revisions' root is not in entriesHashList")
        }
        var proof = MerklePath.siblings(leaves: summary.revisionHashes, index: index)
        proof += MerklePath.siblings(leaves: summary.entriesHashList, index: entry)
        proof.append(summary.previousBlockHash)
        proof += StateMerkle(state: state).auditPath(leaf: seq, size: tip.sequenceNo + 1)
        return proof
    }

    /// Proof that the journal at `newTip` extends the journal at `oldTip`.
    public func consistencyProof(from oldTip: BlockAddress, to newTip: BlockAddress) throws -> [[UInt8]] {
        let oldSize = try size(at: oldTip)
        let newSize = try size(at: newTip)
        guard oldSize <= newSize else { throw LedgerError.invalidTip(oldTip) }
        return StateMerkle(state: state).consistencyProof(from: oldSize, to: newSize)
    }

    public static func verifyConsistency(oldDigest: [UInt8], oldTip: BlockAddress, newDigest: [UInt8], newTip: BlockAddress,
                                         proof: [[UInt8]]) -> Bool {
        guard oldTip.strandId == newTip.strandId, oldTip.sequenceNo >= 0, oldTip.sequenceNo <= newTip.sequenceNo else { return false }
        return MerkleAccumulator.verifyConsistency(oldRoot: oldDigest, oldSize: oldTip.sequenceNo + 1,
                                                   newRoot: newDigest, newSize: newTip.sequenceNo + 1, proof: proof)
    }

    /// What a client does (PROTOCOL.md §3.7): `fold(dot, proof, hash) == digest`.
    public static func verify(hash: [UInt8], proof: [[UInt8]], digest: [UInt8]) -> Bool {
        hash.count == 32 && digest.count == 32 && QLDBHash.fold(hash, proof: proof) == digest
    }

    /// Recomputes every hash of a block and checks it follows `previousBlockHash`
    /// (pass `genesisPreviousHash` for the first block). Nil when it verifies.
    public static func check(block: Block, previousBlockHash: [UInt8]) -> String? {
        BlockHasher.check(block, previousBlockHash: previousBlockHash)
    }

    /// The first block's `previousBlockHash`: `H(strandId)` as an Ion string.
    public static func genesisPreviousHash(strandId: String) -> [UInt8] {
        BlockHasher.genesisPreviousHash(strandId: strandId)
    }
}
