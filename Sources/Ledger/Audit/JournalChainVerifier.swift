import Ion

/// Re-verifies a ledger's journal record by record, from block 0, with
/// nothing but the records: each must decode, be the next block of the strand,
/// have every revision hash, `entriesHashList`, `entriesHash` and `blockHash`
/// recompute as stored and chain to the previous block (genesis rule for the
/// first), with timestamps that never go backwards. It also folds the block
/// hashes into the digest. `Ledger.open` runs the same checks (`BlockHasher`)
/// while it applies; this one needs no state, so the scrubber and `tally
/// audit` can run it over a whole journal off the start-up path.
public struct JournalChainVerifier: Sendable {
    public struct Mismatch: Error, Sendable, Equatable, CustomStringConvertible {
        public var sequenceNo: Int
        public var reason: String
        public var description: String { "block \(sequenceNo): \(reason)" }
    }

    /// The strand, from block 0 (nil before it is read).
    public private(set) var strandId: String?
    /// Blocks verified so far: the next block's sequence number.
    public var verified: Int { frontier.count }
    private var previousHash: [UInt8] = []
    private var imported = false
    private var lastTimestampMs: Int64 = .min
    private var frontier = MerkleFrontier()

    public init() {}

    /// The digest over the blocks verified so far (empty for none).
    public var digest: [UInt8] { frontier.root }

    /// Verifies the next record; after a mismatch the verifier must not be used further.
    @discardableResult
    mutating func verify(record bytes: [UInt8]) throws -> Block {
        let index = verified
        let block: Block
        do {
            block = try Block(ion: BlockCodec.decode(bytes))
        } catch {
            throw Mismatch(sequenceNo: index, reason: "record does not decode (\(error))")
        }
        if strandId == nil {
            strandId = block.address.strandId
            // An imported journal's first block chains from its own previousBlockHash (Ledger.admit does the same).
            imported = block.isForeign
            previousHash = imported ? block.previousBlockHash : BlockHasher.genesisPreviousHash(strandId: block.address.strandId)
        }
        if block.isForeign && !imported {
            throw Mismatch(sequenceNo: index, reason: "an imported block in a journal that was not imported")
        }
        guard block.address == BlockAddress(strandId: strandId!, sequenceNo: index) else {
            throw Mismatch(sequenceNo: index, reason: "record holds block \(block.address)")
        }
        if let problem = BlockHasher.check(block, previousBlockHash: previousHash) {
            throw Mismatch(sequenceNo: index, reason: problem)
        }
        guard block.timestampMs >= lastTimestampMs else { throw Mismatch(sequenceNo: index, reason: "blockTimestamp goes backwards") }
        lastTimestampMs = block.timestampMs
        previousHash = block.blockHash
        frontier.append(block.blockHash)
        return block
    }

    /// Nil when the state holds this block as the journal does: its summary
    /// (hashes, transaction, revisions) and its Merkle leaf. Else what differs.
    static func stateProblem(_ block: Block, in state: any StateView) -> String? {
        let seq = block.address.sequenceNo
        guard let summary = state.blockSummary(seq) else { return "the state store has no summary of this block" }
        let expected = BlockSummary(block)
        if summary.blockHash != expected.blockHash { return "the state store's block hash differs from the journal's" }
        if summary != expected { return "the state store's block summary differs from the journal's block" }
        if state.merkleNode(0, seq) != block.blockHash { return "the state store's Merkle leaf differs from the block hash" }
        return nil
    }
}
