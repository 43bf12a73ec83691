import Foundation
import Ion
import Ledger
import Logging

/// The node's replicated state: every committed `NodeCommand`, in log order,
/// on every node. Deterministic — no clock, no randomness: what varies
/// (ids, times) is in the command. Loop thread only.
///
/// Durability: `apply` appends blocks to ledger journals without syncing;
/// `sync()` fsyncs every journal touched since the last sync (group commit:
/// one fsync per ledger per batch) and rewrites `ledgers.ion` when control-plane
/// state changed or `metadataInterval` entries went by. `durableIndex` is the
/// index `ledgers.ion` records; after a restart the log is replayed from there
/// and transactions whose blocks are already in a journal are recognised by
/// transaction id, in order, instead of being applied twice.
public final class NodeStateMachine: ReplicatedStateMachine {
    public let registry: LedgerRegistry
    public internal(set) var appliedIndex: UInt64
    public var durableIndex: UInt64 { registry.recordedIndex }
    /// Per ledger, the pending generation this node's current leadership started.
    private var pendingGenerations: [String: Int] = [:]
    /// Set when a journal write failed; `sync()` then throws and the node must stop taking writes.
    public internal(set) var storageFailure: String?
    /// Called after each transaction this node applies (ledger name, the new block):
    /// the stream hook, metrics.
    public var onTransactionApplied: ((String, Block) -> Void)?

    var touched: Set<String> = []
    /// Between `startApplying` and `finishApplying`: the ledgers with an open state-store batch.
    var applyBatch: [Ledger]?
    /// Ledgers whose batch stays open after its round (`finishApplying(hold: true)`).
    var heldBatches: [Ledger] = []
    var metadataDirty = false
    /// A follower's catch-up by journal streaming in progress (`NodeStateMachine+CatchUp.swift`).
    var catchUpSession: CatchUpSession?

    /// Opens (or creates) the node state in `options.dataDirectory`; every ledger
    /// journal is re-verified. Throws on corruption, naming the file.
    public init(options: LedgerRegistry.Options) throws {
        registry = try LedgerRegistry(options: options)
        appliedIndex = registry.recordedIndex
    }

    // MARK: - ReplicatedStateMachine

    public func leadershipStarted() {
        flushHeldBatches()
        pendingGenerations = [:]
        for name in registry.entries.keys {
            if let ledger = registry.entry(named: name)?.ledger { pendingGenerations[name] = ledger.startPendingGeneration() }
        }
    }

    public func leadershipSettled() {
        for (name, generation) in pendingGenerations {
            registry.entry(named: name)?.ledger?.abandonPending(before: generation)
        }
        pendingGenerations = [:]
    }

    public func apply(index: UInt64, command bytes: [UInt8]) -> ApplyResult {
        apply(index: index) { try NodeCommand.decode(bytes) }
    }

    /// This node proposed `bytes` as `proposed` (the leader): applies it without decoding.
    public func apply(index: UInt64, command bytes: [UInt8], proposed: any Sendable) -> ApplyResult {
        guard let command = proposed as? NodeCommand else { return apply(index: index, command: bytes) }
        // What every other node applies is the bytes decoded: a command that encodes, and so hashes,
        // the same (checked in debug builds; `==` would also hold but for NaNs and symbols of
        // unknown text, which a round trip renumbers: BinaryRoundTripIdentityTests).
        assert((try? NodeCommand.decode(bytes).encoded()) == bytes, "entry \(index) does not decode to the command proposed")
        return apply(index: index) { command }
    }

    private func apply(index: UInt64, decode: () throws -> NodeCommand) -> ApplyResult {
        guard index > appliedIndex else { return .applied(reply: []) }
        // After a failed write nothing more is applied: the node stops, and a
        // restart replays from what its files hold.
        if let storageFailure { return .rejected(.storageFailed("storage failed: \(storageFailure)")) }
        appliedIndex = index
        let command: NodeCommand
        do {
            command = try decode()
        } catch {
            return .rejected(.invalidParameter("malformed node command: \(error)"))
        }
        switch command {
        case .transaction(let t):
            return applyTransaction(t, index: index)
        default:
            // Control commands (a purge, an export, an import) find every ledger committed.
            if flushHeldBatches() != nil { return .rejected(.storageFailed("storage failed: \(storageFailure ?? "")")) }
            let result = applyControl(command)
            if case .applied = result { metadataDirty = true }
            return result
        }
    }

    public func sync() throws {
        flushHeldBatches()
        if let storageFailure { throw NodeCodingError("storage failed: \(storageFailure)") }
        for name in touched.sorted() {
            try registry.entry(named: name)?.ledger?.sync()
        }
        touched.removeAll()
        if metadataDirty || appliedIndex >= registry.recordedIndex + registry.options.metadataInterval {
            try registry.save(appliedIndex: appliedIndex)
            metadataDirty = false
        }
    }

    /// Syncs and records the applied index now (shutdown, idle periods).
    public func checkpoint() throws {
        metadataDirty = true
        try sync()
    }

    /// Releases the journals' directory locks (a closed state machine cannot apply).
    public func close() {
        flushHeldBatches()
        registry.close()
    }

    // MARK: - Transactions

    func applyTransaction(_ t: NodeCommand.Transaction, index: UInt64) -> ApplyResult {
        guard let entry = registry.entry(named: t.ledgerName), entry.info.state != .deleting, let ledger = entry.ledger else {
            return .rejected(.notFound("Ledger \(t.ledgerName) does not exist"))
        }
        let proposal = t.proposal
        if let divergence = entry.info.divergence {
            ledger.abandon(transactionId: proposal.transactionId)
            return .rejected(.diverged("Ledger \(t.ledgerName) stopped applying on this node: \(divergence)"))
        }
        guard entry.info.state == .active else {
            ledger.abandon(transactionId: proposal.transactionId)
            return .rejected(.preconditionNotMet("Ledger \(t.ledgerName) is not ACTIVE"))
        }
        if let tail = entry.replayTail {
            // The proposer held every block up to its checkpoint before this
            // entry, so entries before this one made them: a replayed block at
            // or below it that no entry claimed never will be (the ledger would
            // refuse every transaction from here on). Flag it, never stall silently.
            if let cp = t.checkpoint, cp.sequenceNo >= tail.lowerBound {
                return diverged(entry, ledger, proposal, index: index,
                                why: "replayed block \(tail.lowerBound) was never claimed, yet the proposer already held block \(cp.sequenceNo)")
            }
            return claimReplayed(entry, ledger, tail, proposal)
        }
        if let cp = t.checkpoint {
            let mine = entry.blockHash(cp.sequenceNo)
            if mine != cp.blockHash {
                let why = mine.map { "block \(cp.sequenceNo) hashes to \(Hex.encode($0)) here, \(Hex.encode(cp.blockHash)) on the proposer" }
                    ?? "the proposer's block \(cp.sequenceNo) does not exist here (\(ledger.blockCount) blocks)"
                return diverged(entry, ledger, proposal, index: index, why: why)
            }
        }
        let block: Block
        let blocksBefore = ledger.blockCount
        joinApplyBatch(ledger)
        do {
            block = try ledger.apply(proposal)
        } catch LedgerError.invalidProposal(_, let reason) {
            return .rejected(.occConflict("Optimistic concurrency control conflict in transaction \(proposal.transactionId): \(reason)"))
        } catch {
            storageFailure = "ledger \(t.ledgerName): \(error)"
            ReplicaLog.storage.critical("journal write failed; this node refuses writes", metadata: [
                "ledger": "\(t.ledgerName)", "log_index": "\(index)", "error": "\(error)"])
            return .rejected(.storageFailed("journal write failed: \(error)"))
        }
        // One committed transaction is exactly one new block, at the end of the journal.
        assert(block.address.sequenceNo == blocksBefore && ledger.blockCount == blocksBefore + 1,
               "ledger \(t.ledgerName): block \(block.address.sequenceNo) applied with \(blocksBefore) blocks before")
        entry.recentHashes.record(block.address.sequenceNo, block.blockHash)
        touched.insert(t.ledgerName)
        onTransactionApplied?(t.ledgerName, block)
        return .applied(reply: TransactionReply(transactionId: block.transactionId, strandId: block.address.strandId,
                                                sequenceNo: block.address.sequenceNo, blockHash: block.blockHash).encoded())
    }

    /// Stops applying the ledger on this node, durably, with why.
    private func diverged(_ entry: LedgerRegistry.Entry, _ ledger: Ledger, _ proposal: BlockProposal,
                          index: UInt64, why: String) -> ApplyResult {
        entry.info.divergence = "DIVERGENCE at log index \(index): \(why)"
        ReplicaLog.storage.critical("ledger diverged; this node stops applying it", metadata: [
            "ledger": "\(entry.info.name)", "log_index": "\(index)", "reason": "\(why)"])
        metadataDirty = true
        ledger.abandon(transactionId: proposal.transactionId)
        return .rejected(.diverged("Ledger \(entry.info.name): \(entry.info.divergence!)"))
    }

    /// A transaction replayed after a restart while the journal already holds
    /// blocks past the recorded index: the next such block is this command's
    /// if the transaction ids match; otherwise this command was refused the first time.
    private func claimReplayed(_ entry: LedgerRegistry.Entry, _ ledger: Ledger, _ tail: Range<Int>,
                               _ proposal: BlockProposal) -> ApplyResult {
        ledger.abandon(transactionId: proposal.transactionId)
        let seq = tail.lowerBound
        guard let block = try? ledger.block(at: BlockAddress(strandId: ledger.strandId, sequenceNo: seq)),
              block.transactionId == proposal.transactionId else {
            return .rejected(.occConflict("transaction \(proposal.transactionId) was refused before the restart"))
        }
        entry.replayTail = tail.count > 1 ? (seq + 1)..<tail.upperBound : nil
        entry.recentHashes.record(seq, block.blockHash)
        return .applied(reply: TransactionReply(transactionId: block.transactionId, strandId: block.address.strandId,
                                                sequenceNo: seq, blockHash: block.blockHash).encoded())
    }

    // MARK: - Read accessors (session layer, control plane, metrics, /status)

    /// The ledger for sessions: only when ACTIVE and not diverged.
    public func ledger(named name: String) -> Ledger? {
        guard let e = registry.entry(named: name), e.info.state == .active, e.info.divergence == nil else { return nil }
        return e.ledger
    }

    public func info(named name: String) -> LedgerInfo? { registry.entry(named: name)?.info }

    /// CREATING / ACTIVE / DELETING, or nil when there is no such ledger.
    public func state(of name: String) -> LedgerLifecycle? { registry.entry(named: name)?.info.state }

    /// Digest and tip of a ledger (throws `LedgerError.emptyJournal` before its first block).
    public func digest(ledger name: String) throws -> (digest: [UInt8], tip: BlockAddress)? {
        guard let ledger = registry.entry(named: name)?.ledger else { return nil }
        return try ledger.digest()
    }

    public func tip(ledger name: String) -> BlockAddress? { registry.entry(named: name)?.ledger?.tip }

    /// Blocks in the ledger's journal (also for a diverged or CREATING ledger).
    public func blockCount(ledger name: String) -> Int? { registry.entry(named: name)?.ledger?.blockCount }

    /// Bytes of the ledger's journal segment files (for metrics; reads the directory).
    public func journalBytes(ledger name: String) -> Int? {
        guard let e = registry.entry(named: name) else { return nil }
        let dir = registry.journalDirectory(ledgerId: e.info.ledgerId)
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return nil }
        return files.reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + file)[.size] as? NSNumber)??.intValue
            return total + (size ?? 0)
        }
    }

    /// Ledgers this node stopped applying, with why.
    public var divergence: [String: String] {
        var out: [String: String] = [:]
        for info in registry.ledgerInfos { if let d = info.divergence { out[info.name] = d } }
        return out
    }

    /// The proposer side of the divergence check: this node's last applied block of the ledger.
    public func checkpoint(ledger name: String) -> LedgerCheckpoint? {
        guard let e = registry.entry(named: name), let tip = e.ledger?.tip, let hash = e.blockHash(tip.sequenceNo) else { return nil }
        return LedgerCheckpoint(sequenceNo: tip.sequenceNo, blockHash: hash)
    }

    /// The command to propose for a prepared transaction (checkpoint filled in).
    public func transactionCommand(ledger name: String, proposal: BlockProposal) -> NodeCommand {
        .transaction(.init(ledgerName: name, proposal: proposal, checkpoint: checkpoint(ledger: name)))
    }
}
