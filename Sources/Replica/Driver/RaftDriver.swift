import Foundation
import Checksum
import Raft

/// Runs one node's Raft core on its event loop: ticks, the Ready loop
/// (persist → send → apply → sync → complete → compact), proposals with group
/// commit, read index, leadership transfer, and catch-up by streaming
/// (`RaftDriver+CatchUp.swift`).
///
/// `init` and `start`/`stop` may be called from any thread; everything else
/// (the `Replicator` methods, completions, state-machine calls) runs on `loop`.
public final class RaftDriver: Replicator {
    public let configuration: ReplicaConfiguration
    public let loop: ReplicaLoop
    public let stateMachine: ReplicatedStateMachine
    public let storage: RaftLogStore
    /// The peer link; register `.forward` (and other) request handlers on it.
    public let link: PeerLink
    let node: RawNode
    let options: RaftDriverOptions
    var selfID: UInt64 { configuration.nodeID }

    typealias ProposalDone = (Result<ApplyResult, ReplicationError>) -> Void

    enum RunState { case created, running, stopped, failed(String) }
    var runState = RunState.created
    private var tickTimer: ReplicaTimer?
    private var syncTimer: ReplicaTimer?
    private var stateMachineDirty = false
    /// Entries applied into state-store batches the state machine still holds open (a follower's).
    private var heldEntries = 0
    /// Each fsync on the commit path (the Raft log) and of the state machine, for metrics. Loop thread.
    public var onFsync: ((Duration) -> Void)?
    private var persisting = false
    /// Proposals not yet handed to Raft (flushed as one batch: group commit).
    private var queued: [(command: [UInt8], decoded: (any Sendable)?, done: ProposalDone)] = []
    private var flushScheduled = false
    /// Proposals in the log, by index, with the term they were proposed in.
    private var proposals: [UInt64: (term: UInt64, decoded: (any Sendable)?, done: ProposalDone)] = [:]
    /// Read-index rounds asked of Raft, by context (`RaftDriver+Reads.swift`).
    var reads: [[UInt8]: ReadRound] = [:]
    /// Reads that arrived while a round was unconfirmed: they go in the next one.
    var waitingReads: [ReadDone] = []
    /// The last read-index round's id: the rounds started so far.
    var nextReadID: UInt64 = 0
    /// Reads that joined a round (`confirmLeadership` as leader).
    var linearizableReads: UInt64 = 0
    var lastReadRoundStart: Double = 0
    var newestReadContext: [UInt8]?
    var readRoundScheduled = false
    /// The log index the state machine reflects.
    var smApplied: UInt64
    private var lastLeader: UInt64 = 0
    private var leaderChanges: UInt64 = 0
    private var wasLeader = false
    /// The index of this leader's first entry of its term; nil when not leader.
    private var settleIndex: UInt64?
    private var settled = false
    private var settleWaiters: [(Result<Void, ReplicationError>) -> Void] = []
    /// Role and leader as last logged (`RaftDriver+Logging.swift`).
    private var loggedRole: Role?
    private var loggedLeader: UInt64 = 0
    /// Leader: last catch-up activity per peer in snapshot state (monotonic seconds).
    var snapshotActivity: [UInt64: Double] = [:]
    /// Follower: the stream in progress, and committed entries held back meanwhile.
    var catchUp: CatchUpProgress?
    /// A follower streaming the journal from the leader (see `CatchUp.swift`).
    public var isCatchingUp: Bool { catchUp != nil }
    var deferred: [Entry] = []
    var catchUpGeneration: UInt64 = 0
    public internal(set) var catchUpStats = CatchUpStats()
    public internal(set) var lastError: String?
    /// Membership changes proposed here, by log index (`RaftDriver+Membership.swift`).
    var membershipWaiters: [UInt64: (term: UInt64, done: (Result<Void, ReplicationError>) -> Void)] = [:]
    /// A configuration change was appended to this node's log (it is in
    /// effect from now on): the node connects to an added peer. Loop thread.
    public var onMembershipChange: ((ConfChangeRecord) -> Void)?

    /// Builds the core over `storage`. The state machine must already reflect
    /// its `durableIndex` (it was reloaded from its own storage).
    public init(configuration: ReplicaConfiguration, loop: ReplicaLoop, link: PeerLink, storage: RaftLogStore,
                stateMachine: ReplicatedStateMachine) throws {
        self.configuration = configuration
        self.loop = loop
        self.link = link
        self.storage = storage
        self.stateMachine = stateMachine
        self.options = configuration.options
        let voters = configuration.voters
        let snapIndex = storage.firstIndex - 1
        let applied = max(stateMachine.durableIndex, snapIndex)
        var raftApplied = applied
        if applied > storage.lastIndex {
            // A follower that crashed after a catch-up stream made its state durable at the
            // snapshot's index but before the snapshot marker reached the Raft log. Its state is
            // committed state: Raft resumes from the log and commit it has, and the entries the
            // state already reflects are skipped when they are applied. A log without even a
            // hard state (lost or wiped, its vote with it) is refused.
            let hardState = storage.initialState().hardState
            guard hardState.term > 0 else {
                throw RaftStorageFailure("the state machine is at index \(applied) but the Raft log ends at \(storage.lastIndex) and has no hard state; refusing to start")
            }
            raftApplied = max(hardState.commit, snapIndex)
        } else if applied > storage.initialState().hardState.commit {
            // The state is ahead of the stored commit index: the node applied entries before
            // its new commit index reached the log, or a catch-up stream made its state durable
            // at `applied` while the log still holds an older leader's uncommitted entries there.
            // The stored commit is not raised: in the second case that would call those entries
            // committed, and the new leader's entries at the same indices would then be refused
            // for ever. Raft resumes from the stored commit; the leader commits the entries again
            // and those the state already reflects are skipped when they are applied.
            raftApplied = max(storage.initialState().hardState.commit, snapIndex)
        }
        smApplied = applied
        let o = configuration.options
        let cfg = Config(id: configuration.nodeID, peers: voters, electionTick: o.electionTicks,
                         heartbeatTick: o.heartbeatTicks, preVote: o.preVote, checkQuorum: o.checkQuorum,
                         maxSizePerMsg: o.maxSizePerMessage, maxInflightMsgs: o.maxInflightMessages,
                         applied: raftApplied, randomSeed: o.randomSeed ?? UInt64.random(in: 1...UInt64.max))
        do {
            node = try RawNode(config: cfg, storage: storage)
        } catch {
            throw RaftStorageFailure("invalid Raft configuration: \(error)")
        }
    }

    /// Binds the peer port, dials the peers and starts ticking. Any thread.
    public func start() throws {
        try loop.run { [self] in
            guard case .created = runState else { return }
            try link.start()
            link.onRaftMessage = { [weak self] m in self?.received(m) }
            link.setHandler(.catchUp) { [weak self] from, payload, respond in
                self?.serveCatchUp(from: from, payload: payload, respond: respond)
            }
            runState = .running
            tickTimer = loop.repeating(every: options.tickInterval) { [weak self] in
                self?.onTick()
            }
            syncTimer = loop.repeating(every: options.stateMachineSyncInterval) { [weak self] in
                self?.syncStateMachine()
            }
            if node.confState.voters == [selfID] { node.campaign() }
            pump()
        }
    }

    /// Stops ticking and closes the peer link; pending requests fail with
    /// `.shuttingDown`. The storage closes once no write is in flight. Any thread.
    public func stop() {
        _ = try? loop.run { [self] in
            if case .running = runState { runState = .stopped } else if case .created = runState { runState = .stopped }
            halt(.shuttingDown)
        }
    }

    var isRunning: Bool { if case .running = runState { return true } else { return false } }

    private func halt(_ error: ReplicationError) {
        tickTimer?.cancel()
        tickTimer = nil
        syncTimer?.cancel()
        syncTimer = nil
        link.stop()
        failAll(error)
        if catchUp != nil { abortCatchUp("node stopped") }
        if !persisting { storage.close() }
    }

    func storageFailed(_ error: Error) {
        let why = "\(error)"
        logStorageFailure(why)
        lastError = why
        runState = .failed(why)
        halt(.storageFailed(why))
    }

    private func failAll(_ error: ReplicationError) {
        let q = queued
        queued = []
        let p = proposals
        proposals = [:]
        let w = settleWaiters
        settleWaiters = []
        for done in w { done(.failure(error)) }
        for p in q { p.done(.failure(error)) }
        for (_, v) in p.sorted(by: { $0.key < $1.key }) { v.done(.failure(error)) }
        failReads(error)
        failMembershipWaiters(error)
    }

    // MARK: Replicator

    public var isLeader: Bool { node.role == .leader }

    public func propose(_ command: [UInt8], decoded: (any Sendable)?,
                        completion: @escaping (Result<ApplyResult, ReplicationError>) -> Void) {
        guard isRunning else { return completion(.failure(stoppedError)) }
        guard node.role == .leader else { return completion(.failure(.notLeader(leaderID: knownLeader))) }
        queued.append((command, decoded, completion))
        if !flushScheduled {
            flushScheduled = true
            loop.execute { [weak self] in self?.pump() }
        }
    }

    public func transferLeadership(to nodeID: UInt64) throws {
        guard isRunning else { throw stoppedError }
        do {
            try node.transferLeadership(to: nodeID)
        } catch {
            switch error {
            case .notLeader(let l): throw ReplicationError.notLeader(leaderID: l == noNode ? nil : l)
            case .leadershipTransferInProgress(let to): throw ReplicationError.notLeader(leaderID: to)
            case .unknownNode(let n): throw UnknownClusterMember(nodeID: n)
            case .emptyReadContext, .confChangeRefused: throw ReplicationError.leadershipLost
            }
        }
        pump()
    }

    /// Whether this node leads, and the leader it knows of (nil for none):
    /// `status`'s first fields without its per-peer lag, for every request.
    public var leadership: (isLeader: Bool, leaderID: UInt64?) {
        (node.role == .leader, node.leader == noNode ? nil : node.leader)
    }

    public var status: ReplicationStatus {
        let st = node.status
        let role: ReplicationStatus.Role
        switch st.softState.role {
        case .follower: role = .follower
        case .preCandidate: role = .preCandidate
        case .candidate: role = .candidate
        case .leader: role = .leader
        }
        var lag: [UInt64: UInt64] = [:]
        if role == .leader {
            for p in st.progress where p.id != selfID {
                // A leader never believes an acknowledgement beyond its own log.
                assert(p.match <= st.lastIndex, "peer \(p.id) match \(p.match) beyond last index \(st.lastIndex)")
                lag[p.id] = st.lastIndex - min(p.match, st.lastIndex)
            }
        }
        return ReplicationStatus(nodeID: selfID, role: role, term: st.hardState.term,
                                 leaderID: st.softState.leader == noNode ? nil : st.softState.leader,
                                 commitIndex: st.hardState.commit, appliedIndex: smApplied, peerLag: lag,
                                 leaderChanges: leaderChanges, pendingProposals: proposals.count + queued.count,
                                 readIndexRounds: nextReadID, linearizableReads: linearizableReads)
    }

    /// Why the driver halted on a storage failure (it then serves nothing); nil otherwise.
    public var storageFailure: String? {
        if case .failed(let why) = runState { return why }
        return nil
    }

    /// Raft's first and last log index (compaction shows as firstIndex > 1).
    public var logBounds: (first: UInt64, last: UInt64) { (storage.firstIndex, storage.lastIndex) }

    var knownLeader: UInt64? { node.leader == noNode ? nil : node.leader }
    var stoppedError: ReplicationError {
        if case .failed(let why) = runState { return .storageFailed(why) }
        return .shuttingDown
    }

    // MARK: Inputs

    private func onTick() {
        guard isRunning else { return }
        node.tick()
        let now = loop.monotonicNow
        if node.role == .leader {
            for p in node.status.progress where p.id != selfID {
                if p.state == .snapshot {
                    let last = snapshotActivity[p.id] ?? now
                    if snapshotActivity[p.id] == nil { snapshotActivity[p.id] = now }
                    if now - last > options.snapshotStallTimeout.clusterSeconds {
                        node.reportSnapshot(to: p.id, failed: true)
                        snapshotActivity[p.id] = nil
                    }
                } else {
                    snapshotActivity[p.id] = nil
                }
            }
        }
        expireReadRounds(now: now)
        pump()
    }

    private func received(_ m: Message) {
        guard isRunning else { return }
        if m.kind == .snapshot {
            handleSnapshotMessage(m)
        } else {
            node.step(m)
        }
        pump()
    }

    // MARK: The Ready loop

    private func flushQueued() {
        flushScheduled = false
        guard !queued.isEmpty else { return }
        let batch = queued
        queued = []
        do {
            let first = try node.propose(batch: batch.map(\.command))
            let term = node.term
            for (i, p) in batch.enumerated() { proposals[first + UInt64(i)] = (term, p.decoded, p.done) }
        } catch {
            let e: ReplicationError
            if case RaftError.leadershipTransferInProgress(let to) = error { e = .notLeader(leaderID: to) } else { e = .notLeader(leaderID: knownLeader) }
            for p in batch { p.done(.failure(e)) }
        }
    }

    func pump() {
        guard isRunning, !persisting else { return }
        flushQueued()
        guard node.hasReady else { return }
        let rd = node.ready()
        noteMembershipEntries(rd.entries)
        if let ss = rd.softState { softStateChanged(ss) }
        // A leader's appends go out while it writes the same entries: its own
        // copy counts toward a commit only after `advance` (thesis §10.2.1).
        send(rd.messagesBeforePersisting)
        if rd.entries.isEmpty && rd.hardState == nil && rd.snapshot == nil {
            afterPersist(rd)
            return
        }
        persisting = true
        let storage = self.storage
        if Self.writesOnlyUnsyncedState(rd) {
            // Only the commit index moved: one small write into the page cache, no fsync.
            // On the loop it costs less than the pool's two thread hand-offs, and the
            // entries it commits are applied at once (Docs/cluster.md, "The Ready loop").
            if let outcome = loop.blocking({ Self.write(rd, to: storage) }) { finishPersist(rd, outcome) }
            return
        }
        if options.followerLogWritesOnLoop && node.role != .leader {
            // A follower's (or candidate's) write runs on the loop: nothing it does meanwhile
            // needs to go first, and the pool's two thread hand-offs would delay its
            // acknowledgement (Docs/cluster.md, "The Ready loop"). nil: a simulated crash
            // inside the write; `persisting` stays set, as when a completion never runs.
            if let outcome = loop.blocking({ Self.write(rd, to: storage) }) { finishPersist(rd, outcome) }
            return
        }
        loop.offload(work: { Self.write(rd, to: storage) }, then: { [weak self] in self?.finishPersist(rd, $0) })
        let written = Self.writtenBefore(rd)
        if !written.isEmpty {
            // On the loop's next turn, while the write runs on the pool.
            loop.execute { [weak self] in self?.applyWhilePersisting(written) }
        }
    }

    /// Writes and fsyncs `rd` (on the pool or the loop): the error, or how long it took.
    private static func write(_ rd: Ready, to storage: RaftLogStore) -> (Error?, Duration) {
        let started = ContinuousClock.now
        do {
            try storage.save(hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot, sync: rd.mustSync)
            return (nil, ContinuousClock.now - started)
        } catch {
            return (error, .zero)
        }
    }

    /// A Ready whose only durable change is a new commit index: no entries, no
    /// snapshot, no term or vote (`RaftLogStore.save` need not fsync it).
    static func writesOnlyUnsyncedState(_ rd: Ready) -> Bool {
        !rd.mustSync && rd.entries.isEmpty && rd.snapshot == nil
    }

    /// Back on the loop once `rd` is written.
    private func finishPersist(_ rd: Ready, _ outcome: (Error?, Duration)) {
        let (error, elapsed) = outcome
        if error == nil, rd.mustSync { noteFsync("raft_log", elapsed) }
        persisting = false
        guard isRunning else { storage.close(); return }
        if let error { return storageFailed(error) }
        afterPersist(rd)
    }

    /// `rd`'s committed entries that precede its new entries: earlier Readies
    /// wrote them, and were durable before they were advanced, so they may be
    /// applied while `rd` is written. A batch committed while the next one is
    /// being written is then acknowledged without waiting for that write.
    private static func writtenBefore(_ rd: Ready) -> ArraySlice<Entry> {
        guard rd.snapshot == nil else { return [] }
        guard let first = rd.entries.first?.index else { return rd.committedEntries[...] }
        return rd.committedEntries.prefix { $0.index < first }
    }

    /// Applies `entries` ahead of `afterPersist`, which then skips what is
    /// applied already (and so does this, if it ran first).
    private func applyWhilePersisting(_ entries: ArraySlice<Entry>) {
        guard isRunning, catchUp == nil, let last = entries.last?.index else { return }
        assert(last <= storage.lastIndex, "entry \(last) applied before it was written")
        apply(Array(entries))
        serveReads()
    }

    private func send(_ messages: [Message]) {
        for m in messages {
            if m.kind == .snapshot {
                snapshotActivity[m.to] = loop.monotonicNow
                logSnapshotSent(to: m.to, index: m.snapshot?.metadata.index ?? 0)
            }
            if !link.send(m) {
                node.reportUnreachable(m.to)
                if m.kind == .snapshot { node.reportSnapshot(to: m.to, failed: true) }
            }
        }
    }

    private func afterPersist(_ rd: Ready) {
        send(rd.messages)
        if let s = rd.snapshot { smApplied = max(smApplied, s.metadata.index) }
        if catchUp != nil {
            deferred.append(contentsOf: rd.committedEntries)
        } else {
            apply(rd.committedEntries)
        }
        for rs in rd.readStates {
            reads[rs.context]?.index = rs.index
        }
        node.advance(rd)
        serveReads()
        startReadRoundIfIdle()
        if isRunning { maybeCompact() }
        if isRunning, node.hasReady || !queued.isEmpty {
            loop.execute { [weak self] in self?.pump() }
        }
    }

    private func softStateChanged(_ ss: SoftState) {
        logSoftState(ss, previousRole: loggedRole, previousLeader: loggedLeader, lastKnownLeader: lastLeader)
        loggedRole = ss.role
        loggedLeader = ss.leader
        if ss.leader != noNode && ss.leader != lastLeader { leaderChanges += 1 }
        if ss.leader != noNode { lastLeader = ss.leader }
        let isLeader = ss.role == .leader
        if wasLeader && !isLeader {
            // Entries proposed here may or may not commit under the next leader.
            let p = proposals
            proposals = [:]
            let w = settleWaiters
            settleWaiters = []
            settleIndex = nil
            settled = false
            for (_, v) in p.sorted(by: { $0.key < $1.key }) { v.done(.failure(.leadershipLost)) }
            failReads(.leadershipLost)
            for done in w { done(.failure(.leadershipLost)) }
            snapshotActivity = [:]
            failMembershipWaiters(.leadershipLost, keepingCommitted: true)
        }
        if isLeader && !wasLeader {
            // The core appended this term's first (empty) entry on becoming leader.
            settleIndex = node.lastIndex
            settled = false
            stateMachine.leadershipStarted()
        }
        wasLeader = isLeader
    }

    /// Once this leader has applied its term's first entry: earlier proposals
    /// that were not applied never will be, and transactions may be checked.
    private func settleIfApplied() {
        guard !settled, let index = settleIndex, smApplied >= index else { return }
        settled = true
        stateMachine.leadershipSettled()
        let w = settleWaiters
        settleWaiters = []
        for done in w { done(.success(())) }
    }

    public func awaitSettledLeadership(completion: @escaping (Result<Void, ReplicationError>) -> Void) {
        guard isRunning else { return completion(.failure(stoppedError)) }
        guard node.role == .leader else { return completion(.failure(.notLeader(leaderID: knownLeader))) }
        if settled { return completion(.success(())) }
        settleWaiters.append(completion)
    }

    /// Applies committed entries in order, syncs the state machine, then
    /// completes the proposals among them.
    /// Applies committed entries and completes their proposals at once: a
    /// committed entry is already fsynced in the Raft log on a majority, so
    /// the acknowledgement does not wait for the state machine's own fsync.
    /// The journal is synced on `syncInterval` and before compaction — the
    /// log is only compacted up to what the state machine made durable, so a
    /// crash replays the rest from the log.
    func apply(_ entries: [Entry]) {
        var done: [(ProposalDone, Result<ApplyResult, ReplicationError>)] = []
        var appliedNormal = 0
        let batched = entries.contains { $0.index > smApplied && $0.kind == .normal }
        if batched { stateMachine.startApplying() }
        for e in entries where e.index > smApplied {
            // Entries are applied once each, in log order, and only once committed.
            assert(e.index == smApplied + 1, "entry \(e.index) applied after \(smApplied)")
            assert(e.index <= node.commitIndex, "entry \(e.index) applied beyond the commit index \(node.commitIndex)")
            var result: ApplyResult?
            if e.kind == .confChange { membershipChangeApplied(e) }
            if e.kind == .normal {
                // An entry this node proposed in its own term is the proposal's bytes (Raft
                // replaces an index's entry only with one of a later term).
                if let mine = proposals[e.index], mine.term == e.term, let decoded = mine.decoded {
                    result = stateMachine.apply(index: e.index, command: e.data, proposed: decoded)
                } else {
                    result = stateMachine.apply(index: e.index, command: e.data)
                }
                appliedNormal += 1
                if case .rejected(.storageFailed(let why))? = result {
                    // A write failed mid-apply (a full disk, EIO): stop now, before
                    // applying anything more; this entry's proposal fails as ambiguous.
                    // (The earlier entries are committed in the log: their proposals succeed.)
                    _ = stateMachine.finishApplying(hold: false)
                    for (d, r) in done { d(r) }
                    return storageFailed(RaftStorageFailure(why))
                }
            }
            smApplied = e.index
            if let p = proposals.removeValue(forKey: e.index) {
                if p.term == e.term, let result { done.append((p.done, .success(result))) } else { done.append((p.done, .failure(.leadershipLost))) }
            }
        }
        if appliedNormal > 0 { stateMachineDirty = true }
        // A follower's state serves no statement: it commits once per many rounds (see `followerHeldEntries`).
        let hold = node.role != .leader && heldEntries + appliedNormal < options.followerHeldEntries
        heldEntries = hold ? heldEntries + appliedNormal : 0
        if batched, let why = stateMachine.finishApplying(hold: hold) {
            // The entries are committed in the log (a restart replays them from it), so their
            // proposals succeed; the node stops before applying anything more.
            for (d, r) in done { d(r) }
            return storageFailed(RaftStorageFailure(why))
        }
        for (d, r) in done { d(r) }
        settleIfApplied()
    }

    /// Makes the state machine durable (journal fsync) if it applied anything since.
    func syncStateMachine() {
        guard stateMachineDirty, isRunning else { return }
        let started = ContinuousClock.now
        do {
            try stateMachine.sync()
            stateMachineDirty = false
            heldEntries = 0
            noteFsync("journal", ContinuousClock.now - started)
        } catch {
            storageFailed(error)
        }
    }

    /// Snapshots (the state machine's manifest) and compacts the log up to
    /// the state machine's durable index once enough entries accumulated.
    private func maybeCompact(force: Bool = false) {
        guard catchUp == nil, let source = stateMachine as? CatchUpSource else { return }
        let snapIndex = storage.firstIndex - 1
        if force || smApplied - snapIndex >= options.compactionThreshold { syncStateMachine() }
        let due = min(stateMachine.durableIndex, smApplied, storage.lastIndex)
        guard due > snapIndex, force || due - snapIndex >= options.compactionThreshold else { return }
        // Only entries the log store holds as committed: right after a catch-up stream the
        // state is ahead of a log whose tail may be another leader's uncommitted entries,
        // until the snapshot marker is saved. (Read only when compaction is due: it locks.)
        let target = min(due, storage.initialState().hardState.commit)
        guard target > snapIndex, force || target - snapIndex >= options.compactionThreshold else { return }
        do {
            try storage.createSnapshot(at: target, confState: node.confState(at: target),
                                       data: source.catchUpManifest())
            try storage.compact(upTo: target)
            logCompaction(snapshotIndex: target, firstIndex: storage.firstIndex, lastIndex: storage.lastIndex)
        } catch {
            if let f = storage.failure { storageFailed(f) }
        }
    }

    /// Compacts now, whatever the threshold (operations and tests). Loop thread.
    public func compactNow() { maybeCompact(force: true) }
}

/// `transferLeadership(to:)` named a node that is not a voting member.
public struct UnknownClusterMember: Error, Sendable, Equatable, CustomStringConvertible {
    public let nodeID: UInt64
    public var description: String { "node \(nodeID) is not a cluster member" }
}
