import Ion

/// One ledger: a single-strand, hash-chained journal of blocks in a
/// `JournalStore`, a Merkle accumulator over the block hashes (the digest),
/// and the current state and history of its tables, documents and indexes.
///
/// Not thread-safe: it lives on the node's single loop thread.
public final class Ledger {
    /// The internal catalog table whose documents are the user tables' catalog
    /// rows: DDL is journaled as revisions of it (see Docs/ledger.md).
    public static let catalogTableId = "0000000000000000000000"
    public static let catalogTableName = "information_schema.user_tables"

    public struct Options {
        public var limits: LedgerLimits
        public var ids: IDGenerator
        /// Milliseconds since the Unix epoch.
        public var clock: () -> Int64
        /// Milliseconds on a clock that never jumps (monotonic), for the transaction lifetime.
        public var elapsedClock: () -> Int64
        /// Where the state store (LMDB) lives; nil keeps the state in memory,
        /// rebuilt from the whole journal at every open.
        public var stateDirectory: String?

        public init(limits: LedgerLimits = LedgerLimits(), ids: IDGenerator = IDGenerator(),
                    clock: @escaping () -> Int64 = LedgerTime.nowMilliseconds,
                    elapsedClock: @escaping () -> Int64 = LedgerTime.monotonicMilliseconds, stateDirectory: String? = nil) {
            self.limits = limits
            self.ids = ids
            self.clock = clock
            self.elapsedClock = elapsedClock
            self.stateDirectory = stateDirectory
        }
    }

    /// What `open` re-verified, for the startup log line.
    public struct OpenStats: Sendable, CustomStringConvertible {
        /// Blocks replayed (re-verified and applied) at open.
        public var blocks: Int
        public var bytes: Int
        public var seconds: Double
        /// Blocks the state store already held, checked against the journal at its checkpoint.
        public var fromCheckpoint = 0
        /// Why the state store was rebuilt from the journal, if it was.
        public var rebuilt: String?
        public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }
        public var description: String {
            "re-verified \(blocks) blocks (\(bytes) bytes) in \(Double(Int(seconds * 1000)) / 1000) s"
                + " (\(Double(Int(megabytesPerSecond * 10)) / 10) MB/s)"
                + (fromCheckpoint > 0 ? " after a checkpoint at \(fromCheckpoint) blocks" : "")
                + (rebuilt.map { "; state store rebuilt: \($0)" } ?? "")
        }
    }

    /// Writes of a proposal that has been prepared but not applied yet:
    /// later commits must not miss them in their OCC check.
    struct PendingWrites {
        var documentIds: Set<String> = []
        var tableIds: Set<String> = []
        var catalogIds: Set<String> = []
        var tableNames: Set<String> = []
        var redactions: Set<RedactionRequest> = []
        var timestampMs: Int64 = .min
        /// The documents' encodings the transaction made for its size checks,
        /// by document id: the apply step stores them instead of encoding again.
        var encodings: [String: [UInt8]] = [:]
        /// The leadership period it was prepared in (see `startPendingGeneration`).
        var generation = 0
    }

    /// Bumped when this node becomes leader: proposals prepared before may
    /// never be applied (their leader lost its office before they committed).
    private(set) var pendingGeneration = 0

    public let strandId: String
    public var limits: LedgerLimits
    public let ids: IDGenerator
    public let clock: () -> Int64
    let elapsedClock: () -> Int64
    public let store: JournalStore
    public private(set) var openStats = OpenStats(blocks: 0, bytes: 0, seconds: 0)
    /// Redactions whose data could not be erased from the journal (too small
    /// to fit its hash, or an I/O error); every API still serves `dataHash`.
    public internal(set) var unerasedRedactions = 0

    let stateStore: StateStore
    /// The committed state, as the ledger's own thread reads it.
    var state: any StateView { stateStore.view }
    var pending = PendingProposals()
    /// Set if a block reached the journal but not the state store (an I/O
    /// error such as a full disk, or `appendReplicated`'s partial state); the
    /// ledger then refuses further appends. Reopening it replays the journal
    /// past the store's checkpoint.
    var damage: String?
    /// In a batch: the journal appends that `apply` leaves to a worker.
    var journalBehind: JournalWriteBehind?
    /// Kept from batch to batch (its queue and semaphore).
    lazy var journalWorker = JournalWriteBehind(store: store)
    /// The journal starts with blocks imported from a QLDB export
    /// (`Block.isForeign`); only such a ledger admits foreign blocks.
    public internal(set) var isImported = false

    init(strandId: String, store: JournalStore, stateStore: StateStore, options: Options) {
        self.strandId = strandId
        self.store = store
        self.stateStore = stateStore
        self.limits = options.limits
        self.ids = options.ids
        self.clock = options.clock
        self.elapsedClock = options.elapsedClock
    }

    /// Opens the ledger in `store`: replays every record, recomputing every
    /// hash and checking the chain, and rebuilds state and indexes. An empty
    /// store starts a new ledger (with `strandId`, or a fresh id). A record
    /// that does not verify stops the open with `LedgerError.corruptJournal`.
    public static func open(store: JournalStore, strandId: String? = nil, options: Options = Options()) throws -> Ledger {
        var strand = strandId ?? ""
        if store.count > 0 {
            let first = try decodeRecord(store.read(0), sequenceNo: 0)
            if let strandId, strandId != first.address.strandId {
                throw LedgerError.corruptJournal(sequenceNo: 0, reason: "strand \(first.address.strandId) is not \(strandId)")
            }
            strand = first.address.strandId
        } else if strandId == nil {
            strand = options.ids.next()
        }
        let stateStore: StateStore = try options.stateDirectory.map { try LMDBStateStore(directory: $0) } ?? MemoryStateStore()
        let ledger = Ledger(strandId: strand, store: store, stateStore: stateStore, options: options)
        if store.count > 0 { ledger.isImported = try decodeRecord(store.read(0), sequenceNo: 0).isForeign }
        do {
            try ledger.replay()
        } catch {
            stateStore.close()
            throw error
        }
        return ledger
    }

    static func decodeRecord(_ bytes: [UInt8], sequenceNo: Int) throws -> Block {
        do {
            return try Block(ion: BlockCodec.decode(bytes))
        } catch {
            throw LedgerError.corruptJournal(sequenceNo: sequenceNo, reason: "record does not decode (\(error))")
        }
    }

    /// Brings the state up to the journal: from the state store's checkpoint
    /// if it matches the journal, else (missing, ahead, different, torn) from
    /// the first block. Every block replayed is re-verified.
    private func replay() throws {
        let start = LedgerTime.monotonicNanoseconds()
        let bytes: Int
        let applied = state.blockCount
        var from = 0
        var rebuilt: String?
        if let emptied = (stateStore as? LMDBStateStore)?.emptiedAtOpen { rebuilt = emptied }
        if applied > 0 {
            if let problem = checkpointProblem(appliedBlocks: applied) {
                rebuilt = problem
                try stateStore.reset()
            } else {
                from = applied
            }
        }
        bytes = try replayRecords(from: from)
        let seconds = Double(LedgerTime.monotonicNanoseconds() - start) / 1e9
        openStats = OpenStats(blocks: state.blockCount - from, bytes: bytes, seconds: seconds, fromCheckpoint: from,
                              rebuilt: rebuilt)
    }

    /// Why the state store's checkpoint (its block count and last block hash)
    /// does not match the journal, or nil.
    func checkpointProblem(appliedBlocks applied: Int) -> String? {
        guard applied <= store.count else {
            return "it holds \(applied) blocks, the journal \(store.count)"
        }
        guard let summary = state.blockSummary(applied - 1) else { return "its checkpoint block is missing" }
        do {
            let block = try Ledger.decodeRecord(store.read(applied - 1), sequenceNo: applied - 1)
            guard block.address == BlockAddress(strandId: strandId, sequenceNo: applied - 1) else {
                return "its checkpoint is block \(applied - 1) of another strand"
            }
            guard block.blockHash == summary.blockHash else {
                return "its checkpoint hash differs from the journal's block \(applied - 1)"
            }
        } catch {
            return "the journal's block \(applied - 1) does not read (\(error))"
        }
        return nil
    }

    /// Why `admit` refused a record: it does not decode, is not the next block,
    /// its recomputed hashes differ or do not chain, or it cannot apply to the state.
    struct BlockRefused: Error {
        var sequenceNo: Int
        var reason: String
        /// The state may hold part of the block (`LedgerState.apply` failed midway).
        var stateTouched = false
    }

    /// The one verification path for a journal record, shared by `open`
    /// (replay) and `appendReplicated`: decodes the record as block
    /// `sequenceNo` (which must be the next one), recomputes every revision
    /// hash, H(transactionInfo), the entries hash and the block hash chained to
    /// this ledger's own previous block hash, checks the timestamp order and
    /// (`dryRunState`) that the block applies to the state, then — only if
    /// `beforeApplying` (the store append) succeeds — applies it to the state
    /// and the Merkle StateMerkle(state: state). `hashesChecked`: `RecordChecker`
    /// has decoded the record into `decoded` and checked its hashes, chained to
    /// the block before it (`Ledger+Pipeline`).
    @discardableResult
    func admit(record bytes: [UInt8], sequenceNo index: Int, dryRunState: Bool = true, decoded: Block? = nil,
               hashesChecked: Bool = false, beforeApplying: (Block) throws -> Void = { _ in }) throws -> Block {
        precondition(!hashesChecked || decoded != nil, "hash-checked without the decoded block")
        let block: Block
        do {
            // `decoded`: the block `bytes` encode, when the caller built the record from it.
            block = try decoded ?? Block(ion: BlockCodec.decode(bytes))
        } catch {
            throw BlockRefused(sequenceNo: index, reason: "record does not decode (\(error))")
        }
        guard block.address == BlockAddress(strandId: strandId, sequenceNo: index) else {
            throw BlockRefused(sequenceNo: index, reason: "record holds block \(block.address)")
        }
        if block.isForeign, index > 0, !isImported {
            throw BlockRefused(sequenceNo: index, reason: "an imported block in a ledger that was not created by an import")
        }
        if !hashesChecked {
            // QLDB's genesis rule is not published: an imported first block chains from its own previousBlockHash.
            let previous = index == 0 && block.isForeign ? block.previousBlockHash : expectedPreviousHash()
            if let problem = BlockHasher.check(block, previousBlockHash: previous) {
                throw BlockRefused(sequenceNo: index, reason: problem)
            }
        }
        if block.timestampMs < state.lastTimestampMs {
            throw BlockRefused(sequenceNo: index, reason: "blockTimestamp goes backwards")
        }
        // The state checks that are not hashes (document versions, tables, redaction
        // targets), without mutating anything, so a refused block leaves no trace.
        if dryRunState, let problem = state.problem(applying: block) {
            throw BlockRefused(sequenceNo: index, reason: problem)
        }
        try beforeApplying(block)
        do {
            try stateStore.apply(block)
        } catch {
            throw BlockRefused(sequenceNo: index, reason: "\(error)", stateTouched: true)
        }
        if index == 0 { isImported = block.isForeign }
        eraseRedacted(by: block)
        return block
    }

    func expectedPreviousHash() -> [UInt8] {
        state.blockHash(state.blockCount - 1) ?? BlockHasher.genesisPreviousHash(strandId: strandId)
    }

    // MARK: - Basic queries

    public var blockCount: Int { state.blockCount }

    /// QLDB's IndexedStorage metric, estimated (see `LedgerState.indexedBytes`).
    public var indexedStorageBytes: Int { max(0, state.indexedBytes) }

    /// The latest committed block's address; nil before the first block.
    public var tip: BlockAddress? {
        (state.blockCount == 0) ? nil : BlockAddress(strandId: strandId, sequenceNo: state.blockCount - 1)
    }

    /// Makes every applied block durable (the caller batches: group commit).
    public func sync() throws {
        try flushBatch()
        try stateStore.sync(alongside: { [store] in try store.sync() })
    }

    /// Closes the state store (the journal store belongs to the caller).
    public func close() {
        try? settleJournal()
        journalBehind = nil
        try? store.endBuffering()   // the journal's records before the state store's last commit
        stateStore.close()
    }

    /// Starts an OCC transaction over the current committed state.
    public func begin() -> LedgerTransaction { LedgerTransaction(ledger: self, id: ids.next(), startMs: clock(), startElapsedMs: elapsedClock()) }

    /// Forgets a prepared proposal that will never be applied (e.g. its Raft entry was lost).
    public func abandon(transactionId: String) { pending.remove(transactionId) }

    /// A new leadership period starts; returns its generation.
    public func startPendingGeneration() -> Int {
        pendingGeneration += 1
        return pendingGeneration
    }

    /// Forgets proposals prepared before `generation`: called once the new
    /// leader has applied its term's first entry, when every earlier entry has
    /// either been applied (and cleared its own) or is gone for good.
    public func abandonPending(before generation: Int) {
        pending.removeAll { $0.generation < generation }
    }

    /// Proposals prepared and not yet applied (for tests and metrics).
    public var pendingCount: Int { pending.count }

    /// The block at `address` as stored, with redacted revisions shown redacted.
    public func block(at address: BlockAddress) throws -> Block {
        guard address.strandId == strandId, address.sequenceNo >= 0, address.sequenceNo < state.blockCount else {
            throw LedgerError.unknownBlock(address)
        }
        try settleJournal()
        var block = try Ledger.decodeRecord(store.read(address.sequenceNo), sequenceNo: address.sequenceNo)
        for i in block.revisions.indices {
            let meta = block.revisions[i].metadata
            if let stored = state.revision(of: meta.id, version: meta.version),
               stored.isRedacted, stored.blockAddress == address {
                block.revisions[i] = block.revisions[i].redacted()
            }
        }
        return block
    }

    /// The revision of `documentId` committed in block `address`.
    public func revision(at address: BlockAddress, documentId: String) throws -> Revision {
        guard let revision = state.revisions(of: documentId).first(where: { $0.blockAddress == address }) else {
            throw LedgerError.unknownRevision(address, documentId: documentId)
        }
        return revision
    }
}
