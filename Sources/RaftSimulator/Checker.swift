import Raft

/// The safety properties, checked incrementally as events happen. Each check
/// is against the history of the whole run, not just the current state.
struct Checker {
    struct IndexTerm: Hashable {
        var index: LogIndex
        var term: Term
    }

    struct Record {
        var content: UInt64
        var prevTerm: Term?
    }

    struct Applied {
        var term: Term
        var content: UInt64
        var chain: UInt64
        var kind: EntryKind
    }

    private(set) var violations: [String] = []
    /// Election safety: the leader of each term.
    private var leaderOfTerm: [Term: NodeID] = [:]
    private(set) var elections = 0
    /// Log matching: every (index, term) ever persisted, with its content and
    /// the term of the entry before it.
    private var persisted: [IndexTerm: Record] = [:]
    /// State-machine safety: what was applied at each index (index - 1).
    private(set) var appliedLog: [Applied] = []
    private var hardStates: [NodeID: HardState] = [:]
    /// Highest commit index any node has held: committed for sure.
    private(set) var maxCommitObserved: LogIndex = 0
    /// Read-index requests in flight: context → commit watermark at issue time.
    private var pendingReads: [[UInt8]: LogIndex] = [:]
    private(set) var readsConfirmed = 0
    private(set) var acknowledged = 0

    var failed: Bool { !violations.isEmpty }

    mutating func fail(_ message: String) {
        violations.append(message)
    }

    /// After every step of a node: its role and commit index.
    mutating func observe(_ node: SimNode) {
        guard let raw = node.raw else { return }
        maxCommitObserved = max(maxCommitObserved, raw.commitIndex)
        guard raw.role == .leader else { return }
        let term = raw.term
        if let other = leaderOfTerm[term] {
            if other != node.id { fail("election safety: nodes \(other) and \(node.id) both leader in term \(term)") }
            return
        }
        leaderOfTerm[term] = node.id
        elections += 1
        // Leader completeness: the new leader holds every committed entry.
        let first = raw.status.firstIndex
        for (offset, a) in appliedLog.enumerated() {
            let index = LogIndex(offset + 1)
            if index + 1 < first { continue }  // compacted into its snapshot
            guard let t = raw.term(at: index) else {
                fail("leader completeness: leader \(node.id) of term \(term) lacks committed index \(index)")
                return
            }
            if t != a.term {
                fail("leader completeness: leader \(node.id) of term \(term) has t\(t) at committed index \(index), committed was t\(a.term)")
                return
            }
        }
    }

    /// After a node persisted entries (they are now in `storage`).
    mutating func persistedEntries(_ entries: [Entry], node: NodeID, storage: MemoryStorage) {
        for e in entries {
            let prevTerm = e.index > 1 ? try? storage.term(at: e.index - 1) : 0
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
    }

    /// Before a node persists a hard state.
    mutating func persistingHardState(_ hs: HardState, node: NodeID) {
        if let old = hardStates[node] {
            if hs.term < old.term { fail("node \(node) persisted term \(hs.term) after \(old.term)") }
            if hs.term == old.term && old.vote != noNode && hs.vote != old.vote {
                fail("node \(node) voted for \(old.vote) and then \(hs.vote) in term \(hs.term)")
            }
            if hs.commit < old.commit { fail("node \(node) persisted commit \(hs.commit) after \(old.commit)") }
        }
        hardStates[node] = hs
    }

    /// A node applied `e`, reaching `chain`.
    mutating func applied(_ e: Entry, chain: UInt64, node: NodeID) {
        let record = Applied(term: e.term, content: FNV.content(e), chain: chain, kind: e.kind)
        let i = Int(e.index)
        if i <= appliedLog.count {
            let earlier = appliedLog[i - 1]
            if earlier.term != record.term || earlier.content != record.content {
                fail("state machine safety: node \(node) applied t\(e.term) at index \(e.index), another node t\(earlier.term)")
            } else if earlier.chain != chain {
                fail("digest divergence: node \(node) chain at index \(e.index) differs")
            }
        } else if i == appliedLog.count + 1 {
            appliedLog.append(record)
            if e.kind == .normal { acknowledged += 1 }
            if e.index > maxCommitObserved { maxCommitObserved = e.index }
        } else {
            fail("node \(node) applied index \(e.index) but only \(appliedLog.count) are known committed")
        }
    }

    /// A node installed a snapshot whose state machine is `chain` at `index`.
    mutating func restoredSnapshot(index: LogIndex, chain: UInt64, node: NodeID) {
        let i = Int(index)
        guard i >= 1, i <= appliedLog.count else {
            fail("node \(node) installed a snapshot at \(index) beyond anything applied (\(appliedLog.count))")
            return
        }
        if appliedLog[i - 1].chain != chain { fail("node \(node) installed a snapshot at \(index) with a wrong digest") }
    }

    mutating func issuedRead(context: [UInt8]) {
        pendingReads[context] = maxCommitObserved
    }

    /// Linearizability of read index: the index covers every commit known
    /// anywhere when the request was made.
    mutating func readConfirmed(_ rs: ReadState, node: NodeID) {
        guard let watermark = pendingReads[rs.context] else {
            fail("node \(node) got a read state for an unknown context")
            return
        }
        if rs.index < watermark {
            fail("stale read index: node \(node) got \(rs.index) but \(watermark) was committed before the read")
        }
        if rs.index > maxCommitObserved {
            fail("read index \(rs.index) beyond any commit")
        }
        readsConfirmed += 1
    }
}
