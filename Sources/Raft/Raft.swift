/// The Raft state machine of one node (etcd's raft.go): pure, single-threaded,
/// no I/O. Inputs are ticks, messages and local requests; outputs accumulate in
/// `messages`, `readStates` and the log, and leave through `RawNode.ready()`.
///
/// Split by role: this file holds state, role changes, ticking and the term
/// rules every message passes; `Raft+Leader.swift` and `Raft+Follower.swift`
/// hold the per-role handlers.
struct Raft {
    let id: NodeID
    var term: Term = 0
    var vote: NodeID = noNode
    var log: RaftLog
    var tracker: ProgressTracker
    var role: Role = .follower
    var leader: NodeID = noNode
    /// During a leadership transfer: the target; otherwise `noNode`.
    var leadTransferee: NodeID = noNode

    /// Outgoing messages, drained by `RawNode.ready()`: those that must wait
    /// until the Ready is durable, and those that need not (see `MessageKind.mayPrecedePersisting`).
    var messages: [Message] = []
    var messagesBeforePersisting: [Message] = []
    var readStates: [ReadState] = []
    var readOnly = ReadOnly()
    /// Read requests that arrived before this leader committed an entry of its term.
    var pendingReadIndexMessages: [Message] = []

    /// Ticks since the last election timeout reset (or, for a leader, since the
    /// last check-quorum round).
    var electionElapsed = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    let electionTimeout: Int
    let heartbeatTimeout: Int
    let checkQuorum: Bool
    let preVote: Bool
    let maxMsgSize: Int
    var rng: SplitMix64
    /// The configurations in the log (`Raft+Membership.swift`).
    var membership: Membership
    let maxPromotionLag: LogIndex

    init(config: Config, storage: any RaftStorage) {
        id = config.id
        electionTimeout = config.electionTick
        heartbeatTimeout = config.heartbeatTick
        checkQuorum = config.checkQuorum
        preVote = config.preVote
        maxMsgSize = config.maxSizePerMsg
        var seeder = SplitMix64(seed: config.randomSeed ^ (config.id &* 0xD6E8_FEB8_6659_FD93))
        rng = SplitMix64(seed: seeder.next())
        let initial = storage.initialState()
        log = RaftLog(storage: storage, maxApplySize: config.maxCommittedSizePerReady)
        let conf = initial.confState.isEmpty ? ConfState(voters: config.peers) : initial.confState
        tracker = ProgressTracker(conf: conf, maxInflight: config.maxInflightMsgs)
        membership = Membership(base: conf, baseIndex: log.firstIndex - 1)
        maxPromotionLag = config.maxPromotionLag
        let hs = initial.hardState
        if !hs.isEmpty {
            precondition(hs.commit >= log.committed && hs.commit <= log.lastIndex,
                         "stored commit \(hs.commit) outside [\(log.committed), \(log.lastIndex)]")
            log.commit(to: hs.commit)
            term = hs.term
            vote = hs.vote
        }
        log.appliedTo(config.applied)
        loadConfChangesFromLog()
        becomeFollower(term: term, leader: noNode)
    }

    var hardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }
    var softState: SoftState { SoftState(role: role, leader: leader, term: term) }

    /// Whether this node may become leader (it is a voter).
    var promotable: Bool { tracker.isVoter(id) }

    // MARK: Role changes

    mutating func reset(term newTerm: Term) {
        precondition(newTerm >= term, "term went back from \(term) to \(newTerm)")
        if term != newTerm {
            term = newTerm
            vote = noNode
        }
        leader = noNode
        electionElapsed = 0
        heartbeatElapsed = 0
        randomizedElectionTimeout = electionTimeout + rng.int(below: electionTimeout)
        leadTransferee = noNode
        tracker.resetVotes()
        tracker.resetProgress(next: log.lastIndex + 1, selfID: id, selfMatch: log.durableLastIndex)
        readOnly = ReadOnly()
        pendingReadIndexMessages = []
    }

    mutating func becomeFollower(term newTerm: Term, leader newLeader: NodeID) {
        reset(term: newTerm)
        leader = newLeader
        role = .follower
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "leader cannot become pre-candidate")
        // Changes neither term nor vote: a pre-vote must not disturb anyone.
        tracker.resetVotes()
        leader = noNode
        role = .preCandidate
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "leader cannot become candidate")
        reset(term: term + 1)
        vote = id
        role = .candidate
    }

    mutating func becomeLeader() {
        precondition(role == .candidate, "only a candidate becomes leader (was \(role))")
        reset(term: term)
        leader = id
        role = .leader
        if let me = tracker.position(of: id) {
            tracker.progress[me].becomeReplicate()
            tracker.progress[me].recentActive = true
        }
        // Commit something of our own term, which commits everything before it.
        appendEntries([Entry(kind: .empty)])
    }

    // MARK: Time

    mutating func tick() {
        if role == .leader {
            tickHeartbeat()
        } else {
            tickElection()
        }
    }

    private mutating func tickElection() {
        electionElapsed += 1
        if promotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            hup(transfer: false)
        }
    }

    private mutating func tickHeartbeat() {
        heartbeatElapsed += 1
        electionElapsed += 1
        if electionElapsed >= electionTimeout {
            electionElapsed = 0
            if checkQuorum {
                checkQuorumActive()
                if role != .leader { return }
            }
            // A transfer that has not finished within an election timeout is abandoned.
            leadTransferee = noNode
        }
        if heartbeatElapsed >= heartbeatTimeout {
            heartbeatElapsed = 0
            broadcastHeartbeat()
        }
    }

    // MARK: Elections

    /// Starts an election (with a pre-vote first if configured), unless leader.
    mutating func hup(transfer: Bool) {
        guard role != .leader, promotable else { return }
        campaign(preVote: preVote && !transfer, transfer: transfer)
    }

    mutating func campaign(preVote isPreVote: Bool, transfer: Bool) {
        let kind: MessageKind
        let campaignTerm: Term
        if isPreVote {
            becomePreCandidate()
            kind = .preVote
            campaignTerm = term + 1
        } else {
            becomeCandidate()
            kind = .vote
            campaignTerm = term
        }
        if poll(id, granted: true) == .won {
            // Single-node cluster.
            if isPreVote { campaign(preVote: false, transfer: transfer) } else { becomeLeader() }
            return
        }
        for peer in tracker.voters where peer != id {
            send(Message(kind: kind, to: peer, term: campaignTerm, logTerm: log.lastTerm,
                         index: log.lastIndex, leadershipTransfer: transfer))
        }
    }

    mutating func poll(_ from: NodeID, granted: Bool) -> VoteResult {
        tracker.recordVote(from, granted: granted)
        return tracker.tallyVotes().result
    }

    // MARK: Messages

    /// Queues a message. Fills in `from`, and `term` for all but vote kinds
    /// (which carry their campaign term) and `readIndex` (which carries none).
    mutating func send(_ message: Message) {
        var m = message
        m.from = id
        if m.kind.isVoteKind {
            precondition(m.term != 0, "vote message without term")
        } else if m.kind != .readIndex {
            m.term = term
        }
        if m.kind.mayPrecedePersisting {
            messagesBeforePersisting.append(m)
        } else {
            messages.append(m)
        }
    }

    /// Entry point for every message from the network. Applies the term rules
    /// (Raft §5.1 plus pre-vote and lease), then dispatches by kind and role.
    mutating func step(_ m: Message) {
        defer { stepDownIfRemoved() }
        if m.term > term {
            if m.kind.isVoteRequest {
                let inLease = checkQuorum && leader != noNode && electionElapsed < electionTimeout
                if inLease && !m.leadershipTransfer {
                    // We heard from a live leader recently: ignore the campaign
                    // without even adopting its term (leader lease).
                    return
                }
            }
            switch m.kind {
            case .preVote:
                break  // never change our term for a pre-vote
            case .preVoteResponse where !m.reject:
                break  // granted pre-votes carry the future term we asked for
            case .append, .heartbeat, .snapshot:
                becomeFollower(term: m.term, leader: m.from)
            default:
                becomeFollower(term: m.term, leader: noNode)
            }
        } else if m.term < term && m.kind != .readIndex {
            if (checkQuorum || preVote) && (m.kind == .heartbeat || m.kind == .append) {
                // A stale leader (or we moved our term while partitioned):
                // tell it our term so it steps down, instead of staying silent.
                send(Message(kind: .appendResponse, to: m.from))
            } else if m.kind == .preVote {
                send(Message(kind: .preVoteResponse, to: m.from, term: term, reject: true))
            }
            return
        }

        switch m.kind {
        case .vote, .preVote:
            handleVoteRequest(m)
        default:
            switch role {
            case .leader: stepLeader(m)
            case .candidate, .preCandidate: stepCandidate(m)
            case .follower: stepFollower(m)
            }
        }
    }

    private mutating func handleVoteRequest(_ m: Message) {
        // We can vote if this repeats the vote we cast, or we have not voted and
        // know no leader in this term, or it is a pre-vote for a future term...
        let canVote = vote == m.from
            || (vote == noNode && leader == noNode)
            || (m.kind == .preVote && m.term > term)
        // ...and the candidate's log is at least as up to date as ours.
        if canVote && log.isUpToDate(index: m.index, term: m.logTerm) {
            send(Message(kind: m.kind.voteResponse, to: m.from, term: m.term))
            if m.kind == .vote {
                electionElapsed = 0
                vote = m.from
            }
        } else {
            send(Message(kind: m.kind.voteResponse, to: m.from, term: term, reject: true))
        }
    }
}
