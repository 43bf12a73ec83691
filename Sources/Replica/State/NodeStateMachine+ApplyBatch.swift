import Ledger

/// One state-store commit per ledger for a batch of committed entries
/// (`Ledger.beginBatch`): the blocks' journal records are written together,
/// then their state-store writes commit in one LMDB transaction.
///
/// A follower may hold the batch open across rounds (`finishApplying(hold:
/// true)`): its state serves no statement, so committing every round only
/// rewrites the same B-tree pages (each commit writes every page it touched,
/// ~35 for a round of inserts). Held batches commit with the next round not
/// held, at `sync()` (every `stateMachineSyncInterval`), before a control
/// command or a catch-up step, when leadership starts, and when a statement
/// or the scrubber takes a snapshot (`Ledger.stateSnapshot`). Durability is
/// unchanged: an acknowledged entry is in the Raft log, which keeps every
/// entry past `durableIndex`, and that index moves only at `sync()`.
extension NodeStateMachine {
    public func startApplying() {
        applyBatch = []
    }

    public func finishApplying(hold: Bool) -> String? {
        guard let ledgers = applyBatch else { return nil }
        applyBatch = nil
        for ledger in ledgers where !heldBatches.contains(where: { $0 === ledger }) {
            heldBatches.append(ledger)
        }
        return hold ? nil : flushHeldBatches()
    }

    /// Commits every held batch; what failed, if anything (the node then refuses writes).
    @discardableResult
    func flushHeldBatches() -> String? {
        let ledgers = heldBatches
        heldBatches = []
        var failure: String?
        for ledger in ledgers {
            do {
                try ledger.flushBatch()
            } catch {
                failure = failure ?? "state store commit failed: \(error)"
            }
        }
        if let failure {
            storageFailure = storageFailure ?? failure
            ReplicaLog.storage.critical("state store commit failed; this node refuses writes", metadata: ["error": "\(failure)"])
        }
        return failure
    }

    /// Opens `ledger`'s state-store batch if a batch of applies is under way.
    /// A batch that cannot begin (the map cannot grow) leaves the apply unbatched.
    func joinApplyBatch(_ ledger: Ledger) {
        guard var ledgers = applyBatch, !ledgers.contains(where: { $0 === ledger }) else { return }
        guard (try? ledger.beginBatch()) != nil else { return }
        ledgers.append(ledger)
        applyBatch = ledgers
    }
}
