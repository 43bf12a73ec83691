import Foundation
import Ledger
import Raft
import SimulationSupport
import Replica

/// One simulated node: the real `RaftDriver`, `NodeStateMachine`,
/// `FileRaftStorage` and ledger journals on files of its own, with the loop
/// and the network simulated. A crash ends an incarnation: nothing it had
/// scheduled runs again, and its files stay as a crash leaves them.
final class SimReplica {
    let id: UInt64
    let directory: String
    let world: SimWorld
    let network: SimNetwork
    private(set) var incarnation = 0
    private(set) var isUp = false
    private(set) var driver: RaftDriver?
    private(set) var machine: NodeStateMachine?
    private var storage: FileRaftStorage?
    private var link: SimLink?
    /// Why the last start refused to open the node's data (corruption found).
    private(set) var refusal: String?
    /// A fault injected that the next start must detect.
    var corruptionInjected: String?
    var restarts = 0

    init(id: UInt64, directory: String, world: SimWorld, network: SimNetwork) {
        self.id = id
        self.directory = directory
        self.world = world
        self.network = network
    }

    /// Opens the node's data and starts its driver. Throws what open threw
    /// (the node then stays down).
    func start(voters: [UInt64], options: RaftDriverOptions, registry: LedgerRegistry.Options,
               onApplied: @escaping (UInt64, String, Block) -> Void) throws {
        precondition(!isUp, "node \(id) started twice")
        incarnation += 1
        let generation = incarnation
        let alive: () -> Bool = { [weak self] in self?.isUp == true && self?.incarnation == generation }
        let loop = SimLoop(world: world, alive: alive, diskLatency: { [world] in world.uniform(0.0002, 0.004) })
        var registryOptions = registry
        registryOptions.dataDirectory = directory + "/ledgers"
        do {
            let machine = try NodeStateMachine(options: registryOptions)
            let storage: FileRaftStorage
            do {
                // No preallocation, a little (a segment grows many times), or a whole segment's worth;
                // a node may restart with another than it wrote its log with.
                let preallocation = [0, 4096, 1 << 20][world.int(below: 3)]
                storage = try FileRaftStorage(directory: directory + "/raft", voters: voters, segmentSize: 1 << 20,
                                              preallocation: preallocation)
            } catch {
                machine.registry.close()
                throw error
            }
            let link = SimLink(id: id, network: network, alive: alive)
            var o = options
            o.randomSeed = world.rng.next()
            let driver: RaftDriver
            do {
                driver = try RaftDriver(configuration: ReplicaConfiguration(nodeName: "node\(id)", nodeID: id, voters: voters, options: o),
                                        loop: loop, link: link, storage: storage, stateMachine: machine)
            } catch {
                storage.close()
                machine.registry.close()
                throw error
            }
            let id = self.id
            machine.onTransactionApplied = { ledger, block in onApplied(id, ledger, block) }
            self.machine = machine
            self.storage = storage
            self.link = link
            self.driver = driver
            isUp = true
            refusal = nil
            try driver.start()
        } catch {
            refusal = "\(error)"
            isUp = false
            throw error
        }
    }

    /// kill -9: the process is gone, its files stay as they are (the page
    /// cache survives a process crash). Nothing is synced or closed cleanly.
    func crash() {
        guard isUp else { return }
        isUp = false
        link?.stop()
        storage?.close()
        machine?.registry.close()
        driver = nil
        machine = nil
        storage = nil
        link = nil
    }

    /// Deletes everything the node stored (an operator wiping a dead disk).
    func wipe() {
        precondition(!isUp, "wipe a stopped node only")
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        corruptionInjected = nil
    }

    var ledger: Ledger? { machine?.registry.entry(named: SimClients.ledgerName)?.ledger }
    var status: ReplicationStatus? { isUp ? driver?.status : nil }
}
