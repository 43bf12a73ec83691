import Raft

/// A small in-memory cluster for scenario tests (etcd's `network` helper):
/// messages are delivered synchronously, in order, until the cluster is
/// quiet; links can be cut and message kinds dropped. Each node's Ready is
/// handled exactly as a real node must: persist, then send, then apply.
final class TestCluster {
    private(set) var ids: [NodeID]
    private(set) var nodes: [NodeID: RawNode] = [:]
    private(set) var storages: [NodeID: MemoryStorage] = [:]
    /// Entries each node applied, in order.
    private(set) var applied: [NodeID: [Entry]] = [:]
    /// Snapshots each node installed.
    private(set) var installedSnapshots: [NodeID: [Snapshot]] = [:]
    private(set) var readStates: [NodeID: [ReadState]] = [:]
    /// Every message delivered so far, for assertions.
    private(set) var delivered: [Message] = []

    private var cut: Set<[NodeID]> = []
    /// Message kinds that are silently dropped.
    var dropKinds: Set<MessageKind> = []

    /// `storages` lets a test start nodes from prepared logs.
    private let preVote: Bool
    private let checkQuorum: Bool
    private let electionTick: Int
    private let maxSizePerMsg: Int

    init(size: Int, preVote: Bool = true, checkQuorum: Bool = true, electionTick: Int = 10,
         storages prepared: [NodeID: MemoryStorage] = [:], maxSizePerMsg: Int = 1 << 20) {
        ids = (1...size).map { NodeID($0) }
        self.preVote = preVote
        self.checkQuorum = checkQuorum
        self.electionTick = electionTick
        self.maxSizePerMsg = maxSizePerMsg
        for id in ids {
            let storage = prepared[id] ?? MemoryStorage(voters: ids)
            storages[id] = storage
            let applied = storage.hardStateValue.commit
            let config = Config(id: id, peers: ids, electionTick: electionTick, heartbeatTick: 1,
                                preVote: preVote, checkQuorum: checkQuorum, maxSizePerMsg: maxSizePerMsg,
                                applied: min(applied, (try? storage.snapshot().metadata.index) ?? 0),
                                randomSeed: 42)
            nodes[id] = try! RawNode(config: config, storage: storage)
            self.applied[id] = []
            readStates[id] = []
            installedSnapshots[id] = []
        }
    }

    func node(_ id: NodeID) -> RawNode { nodes[id]! }

    /// Replaces `id` with a fresh node over empty storage, as when an operator
    /// deletes its data directory and starts it again under the same id.
    func wipe(_ id: NodeID) {
        let storage = MemoryStorage(voters: ids)
        storages[id] = storage
        let config = Config(id: id, peers: ids, electionTick: electionTick, heartbeatTick: 1,
                            preVote: preVote, checkQuorum: checkQuorum, maxSizePerMsg: maxSizePerMsg,
                            randomSeed: 43)
        nodes[id] = try! RawNode(config: config, storage: storage)
        applied[id] = []
        readStates[id] = []
        installedSnapshots[id] = []
    }
    func storage(_ id: NodeID) -> MemoryStorage { storages[id]! }

    /// Starts a new node `id` over empty storage and no configuration: it
    /// learns the configuration from the leader's log, as a joining node does.
    func join(_ id: NodeID) {
        ids.append(id)
        storages[id] = MemoryStorage()
        let config = Config(id: id, peers: [], electionTick: electionTick, heartbeatTick: 1,
                            preVote: preVote, checkQuorum: checkQuorum, maxSizePerMsg: maxSizePerMsg,
                            randomSeed: 44)
        nodes[id] = try! RawNode(config: config, storage: storages[id]!)
        applied[id] = []
        readStates[id] = []
        installedSnapshots[id] = []
    }

    /// Restarts `id` from what its storage holds (a crash after stabilizing:
    /// everything handed out was persisted). The bootstrap peers are the
    /// original ones; the configuration must come from storage.
    func restart(_ id: NodeID, bootstrapPeers: [NodeID]) {
        let storage = storage(id)
        let config = Config(id: id, peers: bootstrapPeers, electionTick: electionTick, heartbeatTick: 1,
                            preVote: preVote, checkQuorum: checkQuorum, maxSizePerMsg: maxSizePerMsg,
                            applied: storage.hardStateValue.commit, randomSeed: 45)
        nodes[id] = try! RawNode(config: config, storage: storage)
    }

    /// The nodes that currently consider themselves leader.
    var leaders: [NodeID] { ids.filter { node($0).role == .leader } }

    // MARK: Faults

    func isolate(_ id: NodeID) {
        for other in ids where other != id { cutLink(id, other) }
    }

    func cutLink(_ a: NodeID, _ b: NodeID) {
        cut.insert([a, b])
        cut.insert([b, a])
    }

    func recover() {
        cut = []
        dropKinds = []
    }

    // MARK: Driving

    /// Ticks `id` `times` times, stabilizing after each tick.
    func tick(_ id: NodeID, times: Int = 1) {
        for _ in 0..<times {
            node(id).tick()
            stabilize()
        }
    }

    /// Ticks every node `times` times, stabilizing after each round.
    func tickAll(times: Int = 1) {
        for _ in 0..<times {
            for id in ids { node(id).tick() }
            stabilize()
        }
    }

    func campaign(_ id: NodeID) {
        node(id).campaign()
        stabilize()
    }

    /// Handles Readies and delivers messages until nothing is left to do.
    func stabilize() {
        var queue: [Message] = []
        while true {
            for id in ids { queue += handleReady(id) }
            if queue.isEmpty { return }
            let batch = queue
            queue = []
            for m in batch { deliver(m) }
        }
    }

    private func deliver(_ m: Message) {
        let reachable = !cut.contains([m.from, m.to]) && !dropKinds.contains(m.kind)
        if m.kind == .snapshot { node(m.from).reportSnapshot(to: m.to, failed: !reachable) }
        guard reachable else { return }
        delivered.append(m)
        node(m.to).step(m)
    }

    /// The Ready contract: install snapshot, persist entries and hard state,
    /// and only then release the messages; apply committed entries.
    private func handleReady(_ id: NodeID) -> [Message] {
        let raw = node(id)
        guard raw.hasReady else { return [] }
        let rd = raw.ready()
        let storage = storage(id)
        if let snap = rd.snapshot {
            try! storage.applySnapshot(snap)
            installedSnapshots[id]!.append(snap)
        }
        storage.append(rd.entries)
        if let hs = rd.hardState { storage.setHardState(hs) }
        applied[id]! += rd.committedEntries
        readStates[id]! += rd.readStates
        raw.advance(rd)
        return rd.messagesBeforePersisting + rd.messages
    }

    // MARK: Inspection

    /// The node's whole stored log (after stabilize, everything is stored).
    func log(_ id: NodeID) -> [Entry] {
        let s = storage(id)
        guard s.lastIndex >= s.firstIndex else { return [] }
        return try! s.entries(from: s.firstIndex, to: s.lastIndex + 1, maxSize: .max)
    }

    /// The data of applied normal entries, as strings.
    func appliedData(_ id: NodeID) -> [String] {
        applied[id]!.filter { $0.kind == .normal }.map { String(decoding: $0.data, as: UTF8.self) }
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A storage holding `terms[i]` as the term of entry `i + 1`, for prepared logs.
func storageWithLog(terms: [Term], voters: [NodeID], hardState: HardState) -> MemoryStorage {
    let storage = MemoryStorage(voters: voters)
    storage.append(terms.enumerated().map { Entry(term: $1, index: LogIndex($0 + 1), data: bytes("e\($0 + 1)t\($1)")) })
    storage.setHardState(hardState)
    return storage
}
