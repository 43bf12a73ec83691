import Raft

/// One simulated node: a `RawNode` over a `MemoryStorage` that plays the
/// disk, plus a toy state machine (a hash chain over applied entries).
///
/// The storage object survives crashes; the `RawNode` and the state machine
/// do not. Since the simulator only writes storage while handling a `Ready`,
/// a crash loses exactly what a real node would: everything not yet persisted.
final class SimNode {
    let id: NodeID
    let position: Int
    let storage: MemoryStorage
    private let baseConfig: Config
    private(set) var raw: RawNode?
    /// Micro-step at which a crashed node restarts.
    var restartAt: Int?

    /// The toy state machine.
    private(set) var applied: LogIndex = 0
    private(set) var chain: UInt64 = FNV.offsetBasis

    /// Take a snapshot every `snapshotInterval` applied entries (0: never),
    /// keeping `keepEntries` entries below it for slow followers.
    let snapshotInterval: Int
    let keepEntries: Int

    init(id: NodeID, position: Int, peers: [NodeID], options: SimulationOptions, seed: UInt64,
         snapshotInterval: Int, keepEntries: Int, maxSizePerMsg: Int, maxInflight: Int, dormant: Bool = false) {
        self.id = id
        self.position = position
        self.storage = MemoryStorage(voters: peers)
        self.baseConfig = Config(id: id, peers: peers, electionTick: options.electionTick,
                                 heartbeatTick: options.heartbeatTick, maxSizePerMsg: maxSizePerMsg,
                                 maxInflightMsgs: maxInflight, maxCommittedSizePerReady: 512, randomSeed: seed)
        self.snapshotInterval = snapshotInterval
        self.keepEntries = keepEntries
        // A dormant spare starts only when it joins, with no configuration.
        if !dormant { start(incarnation: 0) }
    }

    var isUp: Bool { raw != nil }

    /// (Re)starts from whatever storage holds: the state machine from the
    /// snapshot, the Raft state from the hard state and log.
    func start(incarnation: UInt64) {
        let snap = (try? storage.snapshot()) ?? Snapshot()
        if snap.isEmpty {
            applied = 0
            chain = FNV.offsetBasis
        } else {
            applied = snap.metadata.index
            chain = Bytes.decode(snap.data, at: 8) ?? 0
        }
        var config = baseConfig
        config.applied = applied
        config.randomSeed = baseConfig.randomSeed &+ incarnation &* 0x9E37_79B9
        raw = try! RawNode(config: config, storage: storage)
        restartAt = nil
    }

    func crash() {
        raw = nil
    }

    /// Installs a snapshot into the state machine; returns its (index, chain).
    func restoreStateMachine(from snap: Snapshot) -> (LogIndex, UInt64) {
        applied = snap.metadata.index
        chain = Bytes.decode(snap.data, at: 8) ?? 0
        return (applied, chain)
    }

    /// Applies one committed entry; returns false if it is out of order.
    func apply(_ e: Entry) -> Bool {
        guard e.index == applied + 1 else { return false }
        chain = FNV.chain(chain, e)
        applied = e.index
        return true
    }

    /// Snapshots the applied state and compacts the log behind it.
    func maybeCompact() {
        guard snapshotInterval > 0 else { return }
        let snapIndex = (try? storage.snapshot().metadata.index) ?? 0
        guard applied >= snapIndex + LogIndex(snapshotInterval) else { return }
        _ = try? storage.createSnapshot(at: applied, confState: raw?.confState(at: applied),
                                        data: Bytes.encode(applied, chain))
        if applied > LogIndex(keepEntries) {
            let upTo = applied - LogIndex(keepEntries)
            if upTo >= storage.firstIndex { try? storage.compact(upTo: upTo) }
        }
    }
}
