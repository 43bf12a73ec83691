/// Outcome of counting votes (or acknowledgements) against the quorum.
enum VoteResult: Sendable {
    case pending, won, lost
}

/// The voters and the leader's per-voter progress, plus vote counting
/// (etcd's tracker + quorum packages, for a single majority configuration).
///
/// Voters are kept sorted and visited in that order, so everything the core
/// emits is deterministic (no hash-order iteration).
struct ProgressTracker: Sendable {
    private(set) var voters: [NodeID]
    var progress: [Progress]
    private var votes: [NodeID: Bool] = [:]
    let maxInflight: Int

    init(voters: [NodeID], maxInflight: Int) {
        self.voters = voters.sorted()
        self.maxInflight = maxInflight
        self.progress = self.voters.map { _ in Progress(next: 1, maxInflight: maxInflight) }
    }

    var quorum: Int { voters.count / 2 + 1 }
    var isSingleton: Bool { voters.count == 1 }

    func position(of id: NodeID) -> Int? {
        voters.firstIndex(of: id)
    }

    func contains(_ id: NodeID) -> Bool {
        voters.contains(id)
    }

    mutating func resetProgress(next: LogIndex, selfID: NodeID, selfMatch: LogIndex) {
        for i in voters.indices {
            progress[i] = Progress(next: next, maxInflight: maxInflight)
            if voters[i] == selfID { progress[i].match = selfMatch }
        }
    }

    /// The highest index stored on a quorum of voters.
    func committedIndex() -> LogIndex {
        let matches = progress.map(\.match).sorted(by: >)
        return matches[quorum - 1]
    }

    // MARK: Votes

    mutating func resetVotes() {
        votes.removeAll(keepingCapacity: true)
    }

    /// Records `id`'s first answer in this election; later ones are ignored.
    mutating func recordVote(_ id: NodeID, granted: Bool) {
        guard contains(id), votes[id] == nil else { return }
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
        for (i, id) in voters.enumerated() where id == selfID || progress[i].recentActive {
            active += 1
        }
        return active >= quorum
    }
}
