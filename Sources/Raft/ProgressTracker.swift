/// Outcome of counting votes (or acknowledgements) against the quorum.
enum VoteResult: Sendable {
    case pending, won, lost
}

/// The members (voters and learners) and the leader's per-member progress,
/// plus vote counting (etcd's tracker + quorum packages, for a single majority
/// configuration; learners are replicated to but never counted).
///
/// Members are kept sorted and visited in that order, so everything the core
/// emits is deterministic (no hash-order iteration).
struct ProgressTracker: Sendable {
    /// Voters and learners, sorted; `progress[i]` belongs to `members[i]`.
    private(set) var members: [NodeID]
    private(set) var voters: [NodeID]
    private(set) var learners: [NodeID]
    var progress: [Progress]
    private var votes: [NodeID: Bool] = [:]
    let maxInflight: Int

    init(conf: ConfState, maxInflight: Int) {
        self.maxInflight = maxInflight
        self.voters = conf.voters
        self.learners = conf.learners
        self.members = (conf.voters + conf.learners).sorted()
        self.progress = members.map { _ in Progress(next: 1, maxInflight: maxInflight) }
    }

    var confState: ConfState { ConfState(voters: voters, learners: learners) }

    var quorum: Int { voters.count / 2 + 1 }
    var isSingleton: Bool { voters.count == 1 && learners.isEmpty }

    func position(of id: NodeID) -> Int? {
        members.firstIndex(of: id)
    }

    /// Whether `id` is a member (voter or learner).
    func contains(_ id: NodeID) -> Bool {
        members.contains(id)
    }

    func isVoter(_ id: NodeID) -> Bool {
        voters.contains(id)
    }

    /// Switches to `conf`, keeping the progress of members that stay; new
    /// members start probing at `next`.
    mutating func reconfigure(_ conf: ConfState, next: LogIndex) {
        let old = Dictionary(uniqueKeysWithValues: zip(members, progress))
        voters = conf.voters
        learners = conf.learners
        members = (conf.voters + conf.learners).sorted()
        progress = members.map { old[$0] ?? Progress(next: next, maxInflight: maxInflight) }
        votes = votes.filter { voters.contains($0.key) }
    }

    mutating func resetProgress(next: LogIndex, selfID: NodeID, selfMatch: LogIndex) {
        for i in members.indices {
            progress[i] = Progress(next: next, maxInflight: maxInflight)
            if members[i] == selfID { progress[i].match = selfMatch }
        }
    }

    /// The highest index stored on a quorum of voters.
    func committedIndex() -> LogIndex {
        guard !voters.isEmpty else { return 0 }
        let matches = zip(members, progress).filter { isVoter($0.0) }.map(\.1.match).sorted(by: >)
        return matches[quorum - 1]
    }

    // MARK: Votes

    mutating func resetVotes() {
        votes.removeAll(keepingCapacity: true)
    }

    /// Records `id`'s first answer in this election; later ones are ignored.
    mutating func recordVote(_ id: NodeID, granted: Bool) {
        guard isVoter(id), votes[id] == nil else { return }
        votes[id] = granted
    }

    func tallyVotes() -> (granted: Int, rejected: Int, result: VoteResult) {
        var granted = 0
        var rejected = 0
        for id in voters {
            switch votes[id] {
            case true?: granted += 1
            case false?: rejected += 1
            case nil: break
            }
        }
        let missing = voters.count - granted - rejected
        let result: VoteResult
        if granted >= quorum {
            result = .won
        } else if granted + missing >= quorum {
            result = .pending
        } else {
            result = .lost
        }
        return (granted, rejected, result)
    }

    /// Whether the voters in `acks` form a quorum.
    func hasQuorum(_ acks: Set<NodeID>) -> Bool {
        voters.reduce(0) { $0 + (acks.contains($1) ? 1 : 0) } >= quorum
    }

    /// Whether a quorum was recently active (the leader counts as active).
    func quorumActive(selfID: NodeID) -> Bool {
        var active = 0
        for (i, id) in members.enumerated() where isVoter(id) && (id == selfID || progress[i].recentActive) {
            active += 1
        }
        return active >= quorum
    }
}
