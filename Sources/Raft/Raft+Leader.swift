/// Leader behaviour: proposals, replication (probe / replicate / snapshot flow
/// control), commit, heartbeats, check-quorum, leadership transfer, read index.
extension Raft {
    // MARK: Local requests

    /// Appends entries as leader, stamping term and index; returns the first index.
    @discardableResult
    mutating func appendEntries(_ entries: [Entry]) -> LogIndex {
        let first = log.lastIndex + 1
        var stamped = entries
        for i in stamped.indices {
            stamped[i].term = term
            stamped[i].index = first + LogIndex(i)
        }
        log.append(stamped)
        noteAppendedConfChanges(stamped)
        // Our own copy counts toward a commit only once it is durable
        // (`persisted(through:term:)`): the entries go to the followers
        // while we write them, and a commit never rests on an unsynced copy.
        return first
    }

    /// The application made our log durable through (`index`, `term`). As
    /// leader, that is our own acknowledgement: it may commit (thesis §10.2.1).
    mutating func persisted(through index: LogIndex, term entryTerm: Term) {
        guard role == .leader, log.term(at: index) == entryTerm,
              let me = tracker.position(of: id), tracker.progress[me].maybeUpdate(index) else { return }
        if maybeCommit() {
            releasePendingReadIndexMessages()
            broadcastAppend()
        }
    }

    mutating func propose(_ entries: [Entry]) throws(RaftError) -> LogIndex {
        guard role == .leader else { throw .notLeader(leader: leader) }
        if leadTransferee != noNode { throw .leadershipTransferInProgress(to: leadTransferee) }
        let first = appendEntries(entries)
        broadcastAppend()
        return first
    }

    mutating func transferLeadership(to target: NodeID) throws(RaftError) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard tracker.isVoter(target), let p = tracker.position(of: target) else { throw .unknownNode(target) }
        if target == id || target == leadTransferee { return }
        leadTransferee = target
        // The transfer must finish within an election timeout (see tickHeartbeat).
        electionElapsed = 0
        if tracker.progress[p].match == log.lastIndex {
            sendTimeoutNow(to: target)
        } else {
            sendAppend(to: target)
        }
    }

    /// Checks that a quorum was active since the last check; steps down if not.
    mutating func checkQuorumActive() {
        if !tracker.quorumActive(selfID: id) {
            becomeFollower(term: term, leader: noNode)
            return
        }
        for i in tracker.members.indices where tracker.members[i] != id {
            tracker.progress[i].recentActive = false
        }
    }

    mutating func reportSnapshot(to peer: NodeID, failed: Bool) {
        guard role == .leader, let p = tracker.position(of: peer),
              tracker.progress[p].state == .snapshot else { return }
        if failed { tracker.progress[p].pendingSnapshot = 0 }
        tracker.progress[p].becomeProbe()
        // Wait for the next heartbeat response before probing.
        tracker.progress[p].probeSent = true
    }

    mutating func reportUnreachable(_ peer: NodeID) {
        guard role == .leader, let p = tracker.position(of: peer) else { return }
        if tracker.progress[p].state == .replicate { tracker.progress[p].becomeProbe() }
    }

    // MARK: Sending

    mutating func broadcastAppend() {
        for peer in tracker.members where peer != id {
            sendAppend(to: peer)
        }
    }

    mutating func sendAppend(to peer: NodeID) {
        _ = maybeSendAppend(to: peer, sendIfEmpty: true)
    }

    /// Sends the follower its next entries (or a snapshot if they are
    /// compacted), respecting flow control. Returns whether a message was sent.
    mutating func maybeSendAppend(to peer: NodeID, sendIfEmpty: Bool) -> Bool {
        guard let p = tracker.position(of: peer) else { return false }
        var pr = tracker.progress[p]
        defer { tracker.progress[p] = pr }
        if pr.isPaused { return false }
        let prevIndex = pr.next - 1
        let prevTerm = log.term(at: prevIndex)
        let entries = try? log.entries(from: pr.next, maxSize: maxMsgSize)
        if let entries, entries.isEmpty && !sendIfEmpty { return false }
        guard let prevTerm, let entries else {
            // The entries the follower needs are compacted: send a snapshot.
            guard pr.recentActive, let snap = try? log.snapshot(), !snap.isEmpty else { return false }
            pr.becomeSnapshot(index: snap.metadata.index)
            send(Message(kind: .snapshot, to: peer, snapshot: snap))
            return true
        }
        if let last = entries.last?.index {
            switch pr.state {
            case .replicate:
                pr.next = last + 1  // optimistic: pipeline the next batch
                pr.inflights.add(last)
            case .probe:
                pr.probeSent = true
            case .snapshot:
                preconditionFailure("sending append in snapshot state")
            }
        }
        send(Message(kind: .append, to: peer, logTerm: prevTerm, index: prevIndex,
                     entries: entries, commit: log.committed))
        return true
    }

    mutating func broadcastHeartbeat() {
        let context = readOnly.lastPendingContext
        for peer in tracker.members where peer != id {
            sendHeartbeat(to: peer, context: context)
        }
    }

    private mutating func sendHeartbeat(to peer: NodeID, context: [UInt8]) {
        guard let p = tracker.position(of: peer) else { return }
        // Never tell a follower to commit beyond what it is known to have.
        let commit = min(tracker.progress[p].match, log.committed)
        send(Message(kind: .heartbeat, to: peer, commit: commit, context: context))
    }

    mutating func sendTimeoutNow(to peer: NodeID) {
        send(Message(kind: .timeoutNow, to: peer))
    }

    /// Advances commit to the highest index on a quorum, if it is of our term.
    mutating func maybeCommit() -> Bool {
        log.maybeCommit(index: tracker.committedIndex(), term: term)
    }

    var committedEntryInCurrentTerm: Bool {
        log.term(at: log.committed) == term
    }

    // MARK: Receiving

    mutating func stepLeader(_ m: Message) {
        if m.kind == .readIndex {
            handleReadIndex(m)
            return
        }
        guard let p = tracker.position(of: m.from), m.from != id else { return }
        switch m.kind {
        case .appendResponse:
            handleAppendResponse(m, p)
        case .heartbeatResponse:
            tracker.progress[p].recentActive = true
            tracker.progress[p].probeSent = false
            if m.reject && m.rejectHint < tracker.progress[p].match {
                // The follower lost entries it had acknowledged (wiped and
                // restarted under the same id): believe its log, not our record.
                tracker.progress[p].resetMatch(to: m.rejectHint)
            }
            // A full window may be stuck behind lost messages: free one slot.
            if tracker.progress[p].state == .replicate && tracker.progress[p].inflights.isFull {
                tracker.progress[p].inflights.freeFirst()
            }
            if tracker.progress[p].match < log.lastIndex { sendAppend(to: m.from) }
            guard !m.context.isEmpty,
                  let acks = readOnly.recordAck(from: m.from, context: m.context),
                  tracker.hasQuorum(acks) else { return }
            for released in readOnly.release(upTo: m.context) {
                respondToReadIndex(released.request, index: released.index)
            }
        default:
            break  // stale or misdirected
        }
    }

    private mutating func handleAppendResponse(_ m: Message, _ p: Int) {
        tracker.progress[p].recentActive = true
        if m.reject {
            var nextProbe = m.rejectHint
            if m.logTerm > 0 {
                // Skip back over the whole term the follower reported.
                nextProbe = log.findConflictByTerm(index: m.rejectHint, term: m.logTerm)
            }
            if tracker.progress[p].maybeDecrease(rejected: m.index, matchHint: nextProbe) {
                if tracker.progress[p].state == .replicate { tracker.progress[p].becomeProbe() }
                sendAppend(to: m.from)
            }
            return
        }
        // Never believe an acknowledgement beyond our own log (a bad message).
        guard m.index <= log.lastIndex else { return }
        let wasPaused = tracker.progress[p].isPaused
        guard tracker.progress[p].maybeUpdate(m.index) else { return }
        switch tracker.progress[p].state {
        case .probe:
            tracker.progress[p].becomeReplicate()
        case .snapshot where tracker.progress[p].match >= tracker.progress[p].pendingSnapshot:
            tracker.progress[p].becomeProbe()
            tracker.progress[p].becomeReplicate()
        case .replicate:
            tracker.progress[p].inflights.free(upTo: m.index)
        case .snapshot:
            break
        }
        if maybeCommit() {
            releasePendingReadIndexMessages()
            broadcastAppend()
        } else if wasPaused {
            sendAppend(to: m.from)
        }
        // Flow control may now allow several batches: send them all.
        while maybeSendAppend(to: m.from, sendIfEmpty: false) {}
        if m.from == leadTransferee && tracker.progress[p].match == log.lastIndex {
            sendTimeoutNow(to: m.from)
        }
    }

    // MARK: Read index

    private mutating func handleReadIndex(_ m: Message) {
        guard !m.context.isEmpty else { return }
        if tracker.isSingleton {
            respondToReadIndex(m, index: log.committed)
            return
        }
        // Until we commit an entry of our term we do not know the real commit index.
        guard committedEntryInCurrentTerm else {
            pendingReadIndexMessages.append(m)
            return
        }
        readOnly.add(index: log.committed, request: m)
        if let acks = readOnly.recordAck(from: id, context: m.context), tracker.hasQuorum(acks) {
            for released in readOnly.release(upTo: m.context) {
                respondToReadIndex(released.request, index: released.index)
            }
            return
        }
        for peer in tracker.voters where peer != id {
            sendHeartbeat(to: peer, context: m.context)
        }
    }

    mutating func releasePendingReadIndexMessages() {
        guard !pendingReadIndexMessages.isEmpty, committedEntryInCurrentTerm else { return }
        let pending = pendingReadIndexMessages
        pendingReadIndexMessages = []
        for m in pending { handleReadIndex(m) }
    }

    private mutating func respondToReadIndex(_ request: Message, index: LogIndex) {
        if request.from == id || request.from == noNode {
            readStates.append(ReadState(index: index, context: request.context))
        } else {
            send(Message(kind: .readIndexResponse, to: request.from, index: index, context: request.context))
        }
    }
}
