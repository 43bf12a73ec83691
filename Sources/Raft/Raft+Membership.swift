/// The configurations in one node's log: a base (the configuration at
/// `baseIndex`, from the snapshot or the bootstrap peers) and every
/// configuration-change entry after it, in log order.
///
/// Raft thesis §4.1: a node uses the latest configuration in its log, whether
/// or not it is committed; if the entry is truncated away, the node falls back
/// to the one before.
struct Membership: Sendable {
    struct Change: Sendable {
        var index: LogIndex
        var term: Term
        var conf: ConfState
    }

    var base: ConfState
    var baseIndex: LogIndex
    var changes: [Change] = []

    var current: ConfState { changes.last?.conf ?? base }
    var lastChangeIndex: LogIndex { changes.last?.index ?? baseIndex }

    /// The configuration in effect at `index` (the latest one at or before it).
    func conf(at index: LogIndex) -> ConfState {
        changes.last { $0.index <= index }?.conf ?? base
    }
}

/// Single-server membership changes (Raft thesis §4): proposing them, tracking
/// them as they are appended or truncated, and a removed leader stepping down.
extension Raft {
    /// Proposes one change. Refused unless this leader has committed an entry
    /// of its term (the thesis' fix for leader completeness across changes) and
    /// no earlier change is still uncommitted (one change at a time).
    mutating func proposeConfChange(_ change: ConfChange) throws(RaftError) -> LogIndex {
        guard role == .leader else { throw .notLeader(leader: leader) }
        if leadTransferee != noNode { throw .leadershipTransferInProgress(to: leadTransferee) }
        guard committedEntryInCurrentTerm else {
            throw .confChangeRefused("the leader has not committed an entry of its term yet")
        }
        if membership.lastChangeIndex > log.committed {
            throw .confChangeRefused("the change at index \(membership.lastChangeIndex) is not committed yet")
        }
        let conf: ConfState
        switch tracker.confState.applying(change) {
        case .success(let c): conf = c
        case .failure(let e): throw .confChangeRefused(e.description)
        }
        if change.kind == .promote, let p = tracker.position(of: change.node) {
            let pr = tracker.progress[p]
            if pr.state != .replicate || pr.match + maxPromotionLag < log.committed {
                throw .confChangeRefused("learner \(change.node) has not caught up (match \(pr.match), commit \(log.committed))")
            }
        }
        return try propose([Entry(kind: .confChange, data: ConfChangeRecord(change: change, conf: conf).encoded)])
    }

    /// Takes the configuration entries of `entries` (just appended to our log)
    /// into effect. Leader side: nothing was truncated.
    mutating func noteAppendedConfChanges(_ entries: [Entry]) {
        var changed = false
        for e in entries where e.kind == .confChange && e.index > membership.lastChangeIndex {
            changed = recordConfEntry(e) || changed
        }
        if changed { applyCurrentConf() }
    }

    /// Follower side, after an append that may have truncated a suffix: drops
    /// the configurations that are no longer in the log, then records the new ones.
    mutating func syncConfWithLog(appended entries: [Entry]) {
        let before = membership.current
        while let last = membership.changes.last, !isInLog(last) {
            membership.changes.removeLast()
        }
        for e in entries where e.kind == .confChange && e.index > membership.lastChangeIndex
            && log.matchTerm(index: e.index, term: e.term) {
            _ = recordConfEntry(e)
        }
        if membership.current != before || membership.current != tracker.confState { applyCurrentConf() }
    }

    /// A snapshot replaced the log: its configuration is the new base.
    mutating func resetConf(toSnapshot meta: SnapshotMetadata) {
        let base = meta.confState.isEmpty ? membership.current : meta.confState
        membership = Membership(base: base, baseIndex: meta.index)
        applyCurrentConf()
    }

    /// At start: the configuration changes in the stored log after the snapshot.
    mutating func loadConfChangesFromLog() {
        var next = log.firstIndex
        while next <= log.lastIndex {
            guard let batch = try? log.slice(next, log.lastIndex + 1, maxSize: 64 << 20), !batch.isEmpty else { break }
            for e in batch where e.kind == .confChange { _ = recordConfEntry(e) }
            next = batch.last!.index + 1
        }
        applyCurrentConf()
    }

    /// Whether our log still holds the entry of `change` (a compacted one was committed).
    private func isInLog(_ change: Membership.Change) -> Bool {
        if change.index > log.lastIndex { return false }
        guard let t = log.term(at: change.index) else { return true }
        return t == change.term
    }

    /// Records `e` as the latest configuration: the one it carries (the leader
    /// derived it from the same log prefix we have). A malformed entry is
    /// ignored, by every node alike.
    private mutating func recordConfEntry(_ e: Entry) -> Bool {
        guard let record = ConfChangeRecord(encoded: e.data), !record.conf.voters.isEmpty else { return false }
        membership.changes.append(Membership.Change(index: e.index, term: e.term, conf: record.conf))
        return true
    }

    private mutating func applyCurrentConf() {
        let conf = membership.current
        guard conf != tracker.confState else { return }
        tracker.reconfigure(conf, next: log.lastIndex + 1)
        if let me = tracker.position(of: id), role == .leader {
            tracker.progress[me].match = log.durableLastIndex
            tracker.progress[me].next = log.lastIndex + 1
        }
        if leadTransferee != noNode && !tracker.isVoter(leadTransferee) { leadTransferee = noNode }
        if role != .leader && role != .follower && !promotable {
            // A (pre-)candidate that is no longer a voter gives up its campaign.
            becomeFollower(term: term, leader: noNode)
        }
    }

    /// A leader whose removal is committed hands over to the most up-to-date
    /// voter (if it has our whole log) and steps down (thesis §4.2.2).
    mutating func stepDownIfRemoved() {
        guard role == .leader, !tracker.isVoter(id), membership.lastChangeIndex <= log.committed else { return }
        var best: (id: NodeID, match: LogIndex)?
        for (i, peer) in tracker.members.enumerated() where tracker.isVoter(peer) {
            let match = tracker.progress[i].match
            if best == nil || match > best!.match { best = (peer, match) }
        }
        if let best, best.match == log.lastIndex { sendTimeoutNow(to: best.id) }
        becomeFollower(term: term, leader: noNode)
    }
}
