/// Follower and (pre-)candidate behaviour: accepting appends, heartbeats and
/// snapshots from the leader, counting votes, forwarding read requests.
extension Raft {
    mutating func stepFollower(_ m: Message) {
        switch m.kind {
        case .append:
            electionElapsed = 0
            leader = m.from
            handleAppendEntries(m)
        case .heartbeat:
            electionElapsed = 0
            leader = m.from
            handleHeartbeat(m)
        case .snapshot:
            electionElapsed = 0
            leader = m.from
            handleSnapshot(m)
        case .timeoutNow:
            // Our leader asks us to take over: campaign at once, skipping pre-vote.
            hup(transfer: true)
        case .readIndex:
            // Only the leader can answer; forward (a request relayed to us is dropped).
            guard m.from == id, leader != noNode else { return }
            var forwarded = m
            forwarded.to = leader
            send(forwarded)
        case .readIndexResponse:
            guard !m.context.isEmpty else { return }
            readStates.append(ReadState(index: m.index, context: m.context))
        default:
            break
        }
    }

    mutating func stepCandidate(_ m: Message) {
        let myResponseKind: MessageKind = role == .preCandidate ? .preVoteResponse : .voteResponse
        switch m.kind {
        case .append:
            // A leader exists in our term (m.term == term here).
            becomeFollower(term: m.term, leader: m.from)
            handleAppendEntries(m)
        case .heartbeat:
            becomeFollower(term: m.term, leader: m.from)
            handleHeartbeat(m)
        case .snapshot:
            becomeFollower(term: m.term, leader: m.from)
            handleSnapshot(m)
        case myResponseKind:
            switch poll(m.from, granted: !m.reject) {
            case .won:
                if role == .preCandidate {
                    campaign(preVote: false, transfer: false)
                } else {
                    becomeLeader()
                    broadcastAppend()
                }
            case .lost:
                // A pre-vote response carries a future term; keep ours.
                becomeFollower(term: term, leader: noNode)
            case .pending:
                break
            }
        default:
            break
        }
    }

    mutating func handleAppendEntries(_ m: Message) {
        if m.index < log.committed {
            // Everything up to our commit index matches any leader's log.
            send(Message(kind: .appendResponse, to: m.from, index: log.committed))
            return
        }
        switch log.maybeAppend(index: m.index, logTerm: m.logTerm, commit: m.commit, entries: m.entries) {
        case .appended(let lastNew):
            syncConfWithLog(appended: m.entries)
            send(Message(kind: .appendResponse, to: m.from, index: lastNew))
        case .mismatch:
            // Hint the largest index at which our logs may still match: the last
            // entry of ours at or below m.index whose term is ≤ m.logTerm.
            let hintIndex = log.findConflictByTerm(index: min(m.index, log.lastIndex), term: m.logTerm)
            let hintTerm = log.term(at: hintIndex) ?? 0
            send(Message(kind: .appendResponse, to: m.from, logTerm: hintTerm, index: m.index,
                         reject: true, rejectHint: hintIndex))
        case .invalid:
            break
        }
    }

    mutating func handleHeartbeat(_ m: Message) {
        // The leader sends min(its commit, our match), so this is within our
        // log unless we lost entries we acknowledged (our data directory was
        // deleted). Then tell the leader where our log really ends, so that it
        // lowers our match and probes back (to a snapshot if compacted).
        guard m.commit <= log.lastIndex else {
            send(Message(kind: .heartbeatResponse, to: m.from, reject: true, rejectHint: log.lastIndex,
                         context: m.context))
            return
        }
        log.commit(to: m.commit)
        send(Message(kind: .heartbeatResponse, to: m.from, context: m.context))
    }

    mutating func handleSnapshot(_ m: Message) {
        guard let snap = m.snapshot, !snap.isEmpty else { return }
        if restore(snap) {
            send(Message(kind: .appendResponse, to: m.from, index: log.lastIndex))
        } else {
            send(Message(kind: .appendResponse, to: m.from, index: log.committed))
        }
    }

    /// Replaces our log with the snapshot, unless we already have what it covers.
    mutating func restore(_ snap: Snapshot) -> Bool {
        let meta = snap.metadata
        if meta.index <= log.committed { return false }
        guard role == .follower else {
            // Defensive (as etcd): only a follower of the sender restores.
            becomeFollower(term: term + 1, leader: noNode)
            return false
        }
        if log.matchTerm(index: meta.index, term: meta.term) {
            // We have the entry: just fast-forward commit.
            log.commit(to: meta.index)
            return false
        }
        log.restore(snap)
        resetConf(toSnapshot: meta)
        return true
    }

    /// The link to `gone`, our leader, broke (its process died and the
    /// connection closed): forget it, so that we grant votes again (no lease),
    /// and time out within a few ticks instead of a whole election timeout.
    /// The surviving voters wait 1, 2, … ticks in id order, so that they do
    /// not split the vote. Elections are always safe; if the leader is in fact
    /// alive, the others still in its lease refuse our pre-vote.
    mutating func forgetLeader(_ gone: NodeID) {
        guard role == .follower, leader == gone, gone != noNode else { return }
        leader = noNode
        guard promotable else { return }
        let rank = tracker.voters.filter { $0 != gone }.firstIndex(of: id) ?? 0
        electionElapsed = max(electionElapsed, randomizedElectionTimeout - 1 - rank)
    }
}
