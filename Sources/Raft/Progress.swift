/// How the leader currently replicates to one follower.
public enum ProgressState: String, Sendable, Hashable {
    /// Unsure where the follower's log matches ours: one append per heartbeat
    /// interval until one is accepted.
    case probe
    /// The follower is known to match up to `match`: stream appends optimistically,
    /// up to `maxInflightMsgs` unacknowledged.
    case replicate
    /// A snapshot is on its way; send nothing until it is acknowledged or reported.
    case snapshot
}

/// The leader's view of one follower (etcd's tracker.Progress).
struct Progress: Sendable {
    /// Highest index known to be in the follower's log (durably).
    var match: LogIndex = 0
    /// Next index to send.
    var next: LogIndex
    var state: ProgressState = .probe
    /// In probe state: an append was sent, wait for an answer or a heartbeat response.
    var probeSent = false
    /// In snapshot state: the index of the snapshot being sent.
    var pendingSnapshot: LogIndex = 0
    /// Heard from since the last check-quorum round.
    var recentActive = false
    var inflights: Inflights

    init(next: LogIndex, maxInflight: Int) {
        self.next = next
        self.inflights = Inflights(capacity: maxInflight)
    }

    private mutating func resetState(_ newState: ProgressState) {
        probeSent = false
        pendingSnapshot = 0
        state = newState
        inflights.reset()
    }

    mutating func becomeProbe() {
        if state == .snapshot {
            let pending = pendingSnapshot
            resetState(.probe)
            next = max(match + 1, pending + 1)
        } else {
            resetState(.probe)
            next = match + 1
        }
    }

    mutating func becomeReplicate() {
        resetState(.replicate)
        next = match + 1
    }

    mutating func becomeSnapshot(index: LogIndex) {
        resetState(.snapshot)
        pendingSnapshot = index
    }

    /// The follower acknowledged `index`. Returns whether `match` grew.
    mutating func maybeUpdate(_ index: LogIndex) -> Bool {
        var updated = false
        if match < index {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// The follower's log ends at `index`, below `match`: it lost acknowledged
    /// entries. Start over from there, probing.
    mutating func resetMatch(to index: LogIndex) {
        precondition(index < match, "resetMatch(to: \(index)) does not lower match \(match)")
        match = index
        resetState(.probe)
        next = index + 1
    }

    /// The follower rejected an append at `rejected`; its log may match up to
    /// `matchHint`. Returns false if the rejection is stale.
    mutating func maybeDecrease(rejected: LogIndex, matchHint: LogIndex) -> Bool {
        if state == .replicate {
            if rejected <= match { return false }
            next = match + 1
            return true
        }
        if next == 0 || next - 1 != rejected { return false }
        next = max(min(rejected, matchHint + 1), 1)
        probeSent = false
        return true
    }

    /// Whether sending to this follower is paused (flow control).
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .snapshot: true
        }
    }
}
