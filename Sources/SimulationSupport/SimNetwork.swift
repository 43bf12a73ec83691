import Raft
import Replica

/// The network between simulated replicas: seeded delays, drops, duplicates
/// and partitions. Raft messages cross it encoded by the real codec.
public final class SimNetwork {
    public let world: SimWorld
    public var dropRate = 0.0
    public var duplicateRate = 0.0
    public var minDelay = 0.0005
    public var maxDelay = 0.010
    /// Node → side; nodes on different sides cannot talk. nil: no partition.
    public var sides: [UInt64: Int]?
    /// The live link of each node (its current incarnation).
    public var links: [UInt64: SimLink] = [:]
    public private(set) var delivered = 0
    public private(set) var dropped = 0

    public init(world: SimWorld) { self.world = world }

    public func canReach(_ a: UInt64, _ b: UInt64) -> Bool {
        guard let sides else { return true }
        return sides[a] == sides[b]
    }

    /// Carries something from `from` to `to`'s live link, or loses it.
    func transmit(from: UInt64, to: UInt64, duplicable: Bool, _ deliver: @escaping (SimLink) -> Void) {
        let copies = duplicable && world.chance(duplicateRate) ? 2 : 1
        for _ in 0..<copies {
            guard canReach(from, to), !world.chance(dropRate) else {
                dropped += 1
                continue
            }
            world.after(world.uniform(minDelay, maxDelay)) { [self] in
                // A partition made while the message was in flight cuts it too.
                guard canReach(from, to), let link = links[to], link.alive() else { return }
                delivered += 1
                deliver(link)
            }
        }
    }
}

/// One incarnation's end of the simulated network.
public final class SimLink: PeerLink {
    public let id: UInt64
    let network: SimNetwork
    let alive: () -> Bool
    public var onRaftMessage: ((Message) -> Void)?
    private var handlers: [PeerChannel: RequestHandler] = [:]
    private var stopped = false

    public init(id: UInt64, network: SimNetwork, alive: @escaping () -> Bool) {
        self.id = id
        self.network = network
        self.alive = alive
    }

    public func setHandler(_ channel: PeerChannel, _ handler: RequestHandler?) { handlers[channel] = handler }

    public func start() throws { network.links[id] = self }

    public func stop() {
        stopped = true
        if network.links[id] === self { network.links[id] = nil }
    }

    @discardableResult
    public func send(_ m: Message) -> Bool {
        guard !stopped else { return false }
        let bytes = RaftMessageCodec.encode(m)
        network.transmit(from: id, to: m.to, duplicable: true) { target in
            guard let decoded = try? RaftMessageCodec.decode(bytes) else {
                preconditionFailure("the Raft message codec did not round-trip a \(m.kind) message")
            }
            target.onRaftMessage?(decoded)
        }
        return true
    }

    public func request(to peer: UInt64, channel: PeerChannel, payload: [UInt8], timeout: Duration,
                 completion: @escaping Respond) {
        guard !stopped else { return completion(.failure(.stopped)) }
        var finished = false
        let finish: Respond = { [alive] result in
            guard !finished, alive() else { return }
            finished = true
            completion(result)
        }
        network.world.after(timeout.clusterSeconds) { finish(.failure(.timedOut)) }
        let from = id
        network.transmit(from: from, to: peer, duplicable: false) { [network] target in
            guard let handler = target.handlers[channel] else {
                return network.transmit(from: peer, to: from, duplicable: false) { _ in finish(.failure(.remote("no handler"))) }
            }
            handler(from, payload) { result in
                network.transmit(from: peer, to: from, duplicable: false) { _ in finish(result) }
            }
        }
    }
}
