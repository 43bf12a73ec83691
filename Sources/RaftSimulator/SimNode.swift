import Raft
import Replica
import SimulationSupport

/// One simulated node: a real `RaftDriver` over a `SimLogStore` and a
/// `ChainMachine`, on a `SimLoop` and `SimLink` in virtual time. The log
/// store and the state machine's disk outlive the node's incarnations; a
/// crash ends one, and nothing it had scheduled runs again.
final class SimNode {
    let id: NodeID
    let position: Int
    let store: SimLogStore
    let disk = ChainMachine.Disk()
    /// The bootstrap voters; empty for a spare, which learns its configuration when it joins.
    let voters: [NodeID]
    private(set) var incarnation = 0
    private(set) var isUp = false
    private(set) var driver: RaftDriver?
    private(set) var machine: ChainMachine?
    private var link: SimLink?
    /// Virtual time at which a crashed node restarts.
    var restartAt: Double?

    init(id: NodeID, position: Int, voters: [NodeID]) {
        self.id = id
        self.position = position
        self.voters = voters
        store = SimLogStore(voters: voters)
    }

    /// Starts an incarnation from what the store and the disk hold. `wire`
    /// installs the checker's hooks on the new state machine before the driver runs.
    func start(world: SimWorld, network: SimNetwork, options: RaftDriverOptions, diskLatency: @escaping () -> Double,
               chunkRecords: Int, wire: (ChainMachine) -> Void) throws {
        precondition(!isUp, "node \(id) started twice")
        incarnation += 1
        let generation = incarnation
        let alive: () -> Bool = { [weak self] in self?.isUp == true && self?.incarnation == generation }
        // The log write in flight becomes durable when its completion is due.
        let loop = SimLoop(world: world, alive: alive, diskLatency: { [store] in
            let latency = diskLatency()
            store.durable(at: world.now + latency)
            return latency
        }, blockingDone: { [store] in store.durable(at: world.now) })
        let machine = ChainMachine(disk: disk, chunkRecords: chunkRecords)
        wire(machine)
        let link = SimLink(id: id, network: network, alive: alive)
        let configuration = ReplicaConfiguration(nodeName: "node\(id)", nodeID: id, voters: voters,
                                                 joining: voters.isEmpty, options: options)
        let driver = try RaftDriver(configuration: configuration, loop: loop, link: link, storage: store,
                                    stateMachine: machine)
        self.machine = machine
        self.link = link
        self.driver = driver
        restartAt = nil
        isUp = true
        try driver.start()
    }

    /// kill -9 at `time`: the incarnation is gone; the disk stays as it is,
    /// the log store loses a write whose fsync had not completed.
    func crash(at time: Double) {
        guard isUp else { return }
        isUp = false
        store.crashed(at: time)
        link?.stop()
        driver = nil
        machine = nil
        link = nil
    }
}
