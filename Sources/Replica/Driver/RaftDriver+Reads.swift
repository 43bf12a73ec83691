import Checksum
import Raft

typealias ReadDone = (Result<Void, ReplicationError>) -> Void

/// One read-index round: the reads it answers, when it gives up, and (once a
/// quorum confirmed this leader) the commit index the reads wait to see applied.
struct ReadRound {
    var waiters: [ReadDone]
    var deadline: Double
    var index: UInt64?

    func finish(_ result: Result<Void, ReplicationError>) {
        for done in waiters { done(result) }
    }
}

/// Linearizable reads in batches, as etcd's read loop does. A read joins the
/// next round to start, never one already asked: a round's index is the
/// commit index when it starts, so only a round that starts after a read
/// arrived covers every write acknowledged before that read. While a round is
/// unconfirmed, arriving reads wait; when it is confirmed (or fails, or is
/// older than two ticks) they all go in one new round. Reads asked in one
/// turn of the loop start at most one round, so sixty-four concurrent
/// read-only commits cost one or two heartbeat rounds, not sixty-four.
extension RaftDriver {
    public func confirmLeadership(completion: @escaping (Result<Void, ReplicationError>) -> Void) {
        guard isRunning else { return completion(.failure(stoppedError)) }
        guard node.role == .leader else { return completion(.failure(.notLeader(leaderID: knownLeader))) }
        waitingReads.append(completion)
        linearizableReads += 1
        // On the loop's next turn, so reads asked in the same turn share a round.
        guard !readRoundScheduled else { return }
        readRoundScheduled = true
        loop.execute { [weak self] in
            guard let self else { return }
            self.readRoundScheduled = false
            if self.startReadRoundIfIdle() { self.pump() }
        }
    }

    /// Starts a round for the waiting reads unless one is still unconfirmed.
    /// True if it asked Raft for one (the caller pumps).
    @discardableResult
    func startReadRoundIfIdle() -> Bool {
        guard isRunning, !waitingReads.isEmpty else { return false }
        if let newest = newestReadContext, let round = reads[newest], round.index == nil { return false }
        return startReadRound()
    }

    private func startReadRound() -> Bool {
        let batch = waitingReads
        waitingReads = []
        guard node.role == .leader else {
            for done in batch { done(.failure(.notLeader(leaderID: knownLeader))) }
            return false
        }
        nextReadID += 1
        var w = ByteWriter()
        w.u64(nextReadID)
        do {
            try node.readIndex(context: w.bytes)
        } catch {
            for done in batch { done(.failure(.notLeader(leaderID: knownLeader))) }
            return false
        }
        let now = loop.monotonicNow
        reads[w.bytes] = ReadRound(waiters: batch, deadline: now + options.readIndexTimeout.clusterSeconds)
        lastReadRoundStart = now
        newestReadContext = w.bytes
        return true
    }

    /// Answers the rounds whose index the state machine has applied.
    func serveReads() {
        for (context, round) in reads {
            if let i = round.index, i <= smApplied {
                reads[context] = nil
                round.finish(.success(()))
            }
        }
    }

    /// At each tick: rounds past their deadline fail; reads waiting behind a
    /// round unconfirmed for two ticks (a heartbeat response lost with its
    /// connection) get a round of their own rather than share its fate.
    func expireReadRounds(now: Double) {
        for (context, round) in reads where round.deadline < now {
            reads[context] = nil
            round.finish(.failure(.leadershipLost))
        }
        if !waitingReads.isEmpty, now - lastReadRoundStart >= 2 * options.tickInterval.clusterSeconds {
            _ = startReadRound()
        } else {
            startReadRoundIfIdle()
        }
    }

    func failReads(_ error: ReplicationError) {
        let rounds = reads
        reads = [:]
        let waiting = waitingReads
        waitingReads = []
        for (_, round) in rounds { round.finish(.failure(error)) }
        for done in waiting { done(.failure(error)) }
    }
}
