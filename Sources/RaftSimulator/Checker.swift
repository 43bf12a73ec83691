import Raft
import Replica

/// The safety properties, checked incrementally as events happen, each
/// against the history of the whole run. What it sees comes from the seams
/// of the real driver: the log store reports what it persisted, the state
/// machine what it applied, the driver its role, term and commit index, and
/// read and proposal completions what a client would be told.
struct Checker {
    struct IndexTerm: Hashable {
        var index: LogIndex
        var term: Term
    }

    struct Record {
        var content: UInt64
        var prevTerm: Term?
    }

    /// An entry known committed: committed on some node (its persisted commit
    /// index covers it, or its commit index in memory when it applies).
    struct Committed {
        var term: Term
        var kind: EntryKind
        var content: UInt64
        /// The state machine's chain after every entry up to this one.
        var chain: UInt64
    }

    private(set) var violations: [String] = []
    /// Election safety: the leader of each term.
    private var leaderOfTerm: [Term: NodeID] = [:]
    private(set) var elections = 0
    /// Log matching: every (index, term) ever persisted, with its content and
    /// the term of the entry before it.
    private var persisted: [IndexTerm: Record] = [:]
    /// State-machine safety: what was committed at each index (index - 1).
    private(set) var committedLog: [Committed] = []
    /// How far each node's persisted commit index has been read into `committedLog`.
    private var seenCommit: [NodeID: LogIndex] = [:]
    private var hardStates: [NodeID: HardState] = [:]
    /// Highest commit index any node has held: committed for sure.
    private(set) var maxCommitObserved: LogIndex = 0
    private(set) var readsConfirmed = 0
    private(set) var acknowledged = 0
    private(set) var catchUps = 0

    var failed: Bool { !violations.isEmpty }

    mutating func fail(_ message: String) {
        violations.append(message)
    }

    /// After every event, for every running node: its role, term and commit index.
    mutating func observe(_ id: NodeID, _ driver: RaftDriver) {
        maxCommitObserved = max(maxCommitObserved, driver.raftCommitIndex)
        guard driver.raftRole == .leader else { return }
        let term = driver.raftTerm
        if let other = leaderOfTerm[term] {
            if other != id { fail("election safety: nodes \(other) and \(id) both leader in term \(term)") }
            return
        }
        leaderOfTerm[term] = id
        elections += 1
        // Leader completeness: the new leader holds every committed entry.
        let first = driver.raftFirstIndex
        for (offset, c) in committedLog.enumerated() {
            let index = LogIndex(offset + 1)
            if index + 1 < first { continue }  // compacted into its snapshot
            guard let t = driver.raftTerm(at: index) else {
                return fail("leader completeness: leader \(id) of term \(term) lacks committed index \(index)")
            }
            if t != c.term {
                return fail("leader completeness: leader \(id) of term \(term) has t\(t) at committed index \(index), committed was t\(c.term)")
            }
        }
    }

    /// After a node's log store wrote one Ready. Returns the entries this
    /// write made known committed for the first time (in index order).
    mutating func saved(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, node: NodeID,
                        store: SimLogStore) -> [Entry] {
        for e in entries {
            let prevTerm = e.index > 1 ? try? store.term(at: e.index - 1) : 0
            let record = Record(content: FNV.content(e), prevTerm: prevTerm)
            let key = IndexTerm(index: e.index, term: e.term)
            if let earlier = persisted[key] {
                if earlier.content != record.content {
                    fail("log matching: node \(node) stored different content at index \(e.index) term \(e.term)")
                } else if let a = earlier.prevTerm, let b = record.prevTerm, a != b {
                    fail("log matching: node \(node) at index \(e.index) term \(e.term) follows t\(b), another log t\(a)")
                }
            } else {
                persisted[key] = record
            }
        }
        if let hs = hardState { persistedHardState(hs, node: node) }
        if let snapshot, !snapshot.isEmpty {
            let index = snapshot.metadata.index
            if Int(index) > committedLog.count {
                fail("node \(node) installed a snapshot at \(index) beyond anything committed (\(committedLog.count))")
            } else if index > 0, committedLog[Int(index) - 1].term != snapshot.metadata.term {
                fail("node \(node) installed a snapshot at \(index) t\(snapshot.metadata.term), committed was t\(committedLog[Int(index) - 1].term)")
            }
            seenCommit[node] = max(seenCommit[node] ?? 0, index)
        }
        return readCommitted(node: node, store: store, commit: store.initialState().hardState.commit)
    }

    /// A node is about to apply with `commit` as its commit index in memory
    /// (its Ready's hard state may still be in flight: entries written by
    /// earlier Readies are applied while it is). Returns the entries this made
    /// known committed for the first time.
    mutating func committedInMemory(_ commit: LogIndex, node: NodeID, store: SimLogStore) -> [Entry] {
        readCommitted(node: node, store: store, commit: min(commit, store.lastIndex))
    }

    private mutating func persistedHardState(_ hs: HardState, node: NodeID) {
        if let old = hardStates[node] {
            if hs.term < old.term { fail("node \(node) persisted term \(hs.term) after \(old.term)") }
            if hs.term == old.term && old.vote != noNode && hs.vote != old.vote {
                fail("node \(node) voted for \(old.vote) and then \(hs.vote) in term \(hs.term)")
            }
            if hs.commit < old.commit { fail("node \(node) persisted commit \(hs.commit) after \(old.commit)") }
        }
        hardStates[node] = hs
    }

    /// A crash undid a write whose fsync had not completed: the node's hard
    /// state is the earlier one again (the lost one was never acted on).
    mutating func undone(hardState: HardState, node: NodeID) {
        hardStates[node] = hardState
    }

    /// Entries up to `commit` (the node's persisted commit index, or its commit
    /// index in memory) are committed: record them, or check them against what
    /// was recorded.
    private mutating func readCommitted(node: NodeID, store: SimLogStore, commit: LogIndex) -> [Entry] {
        maxCommitObserved = max(maxCommitObserved, commit)
        let from = max((seenCommit[node] ?? 0) + 1, store.firstIndex)
        guard from <= commit else { return [] }
        seenCommit[node] = commit
        guard let entries = try? store.entries(from: from, to: commit + 1, maxSize: .max), entries.count == Int(commit - from + 1) else {
            fail("node \(node) persisted commit \(commit) but its log holds \(store.firstIndex)...\(store.lastIndex)")
            return []
        }
        var fresh: [Entry] = []
        for e in entries {
            let i = Int(e.index)
            if i <= committedLog.count {
                let c = committedLog[i - 1]
                if c.term != e.term || c.content != FNV.content(e) {
                    fail("state machine safety: node \(node) committed t\(e.term) at index \(e.index), another node t\(c.term)")
                }
            } else if i == committedLog.count + 1 {
                let previous = committedLog.last?.chain ?? FNV.offsetBasis
                let chain = e.kind == .normal ? FNV.chain(previous, e) : previous
                committedLog.append(Committed(term: e.term, kind: e.kind, content: FNV.content(e), chain: chain))
                fresh.append(e)
            } else {
                fail("node \(node) committed index \(e.index) but only \(committedLog.count) are known committed")
            }
        }
        return fresh
    }

    /// A node's state machine applied the command at `index`, reaching `chain`.
    mutating func applied(index: LogIndex, command: [UInt8], chain: UInt64, node: NodeID) {
        let i = Int(index)
        guard i >= 1, i <= committedLog.count else {
            return fail("node \(node) applied index \(index) but only \(committedLog.count) are known committed")
        }
        let c = committedLog[i - 1]
        if c.kind != .normal || c.content != FNV.content(Entry(kind: .normal, data: command)) {
            fail("state machine safety: node \(node) applied another command at \(index) than the one committed")
        } else if c.chain != chain {
            fail("digest divergence: node \(node) chain at index \(index) differs")
        }
    }

    /// A node's state machine installed, by streaming, the state at `index` with `chain`.
    mutating func caughtUp(index: LogIndex, chain: UInt64, node: NodeID) {
        catchUps += 1
        let i = Int(index)
        guard i >= 1, i <= committedLog.count else {
            return fail("node \(node) caught up to \(index) beyond anything committed (\(committedLog.count))")
        }
        if committedLog[i - 1].chain != chain { fail("node \(node) caught up to \(index) with a wrong digest") }
    }

    /// A client was told its command committed at `index` (the state machine's reply).
    mutating func acknowledged(command: [UInt8], reply: [UInt8], node: NodeID) {
        guard let index = Bytes.decode(reply, at: 0), Int(index) >= 1, Int(index) <= committedLog.count else {
            return fail("node \(node) acknowledged a command that is not committed (reply \(reply))")
        }
        if committedLog[Int(index) - 1].content != FNV.content(Entry(kind: .normal, data: command)) {
            fail("node \(node) acknowledged a command at \(index), but another one committed there")
        }
        acknowledged += 1
    }

    /// Linearizability of read index: a confirmed read reflects every commit
    /// known anywhere when it was issued (`watermark`).
    mutating func readConfirmed(applied: LogIndex, watermark: LogIndex, node: NodeID) {
        if applied < watermark {
            fail("stale read: node \(node) confirmed a read at applied index \(applied) but \(watermark) was committed before the read")
        }
        readsConfirmed += 1
    }
}
