import Raft
@testable import RaftSimulator
import Replica
import SimulationSupport

/// A state machine that records the indexes it applies; durable up to a fixed index.
final class RecordingMachine: ReplicatedStateMachine {
    let durableIndex: UInt64
    var applied: [UInt64] = []
    /// Per applied index, what the proposer handed over with the bytes (nil: decoded from the bytes).
    var proposed: [UInt64: String] = [:]

    init(durableIndex: UInt64 = 0) { self.durableIndex = durableIndex }

    func apply(index: UInt64, command: [UInt8]) -> ApplyResult {
        applied.append(index)
        return .applied(reply: [])
    }

    func apply(index: UInt64, command: [UInt8], proposed value: any Sendable) -> ApplyResult {
        proposed[index] = "\(value)"
        return apply(index: index, command: command)
    }

    func sync() throws {}
}

/// Node 2 of [1, 2, 3] on the real `RaftDriver` in virtual time (1 ms links,
/// every log write taking `diskLatency` seconds), and a link playing leader 1
/// that a test scripts message by message.
struct ScriptedFollower {
    let world = SimWorld(seed: 1)
    let driver: RaftDriver
    let leader: SimLink

    init(store: SimLogStore, machine: RecordingMachine, diskLatency: Double = 0.0001,
         options: RaftDriverOptions = RaftDriverOptions()) throws {
        let network = SimNetwork(world: world)
        network.minDelay = 0.001
        network.maxDelay = 0.001
        driver = try RaftDriver(configuration: ReplicaConfiguration(nodeName: "n2", nodeID: 2, voters: [1, 2, 3],
                                                                    options: options),
                                loop: SimLoop(world: world, alive: { true }, diskLatency: { diskLatency }),
                                link: SimLink(id: 2, network: network, alive: { true }),
                                storage: store, stateMachine: machine)
        try driver.start()
        leader = SimLink(id: 1, network: network, alive: { true })
    }
}

/// Node 1 alone in [1] on the real `RaftDriver` in virtual time, every log
/// write taking `diskLatency` seconds; started, and run for 5 s (it elects itself).
struct SingleMemberLeader {
    let world: SimWorld
    let driver: RaftDriver

    init(seed: UInt64, store: SimLogStore = SimLogStore(voters: [1]), machine: RecordingMachine,
         diskLatency: Double) throws {
        world = SimWorld(seed: seed)
        let network = SimNetwork(world: world)
        driver = try RaftDriver(configuration: ReplicaConfiguration(nodeName: "n1", nodeID: 1, voters: [1]),
                                loop: SimLoop(world: world, alive: { true }, diskLatency: { diskLatency }),
                                link: SimLink(id: 1, network: network, alive: { true }),
                                storage: store, stateMachine: machine)
        try driver.start()
        world.run(until: 5)
    }
}
