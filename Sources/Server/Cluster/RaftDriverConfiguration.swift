import Foundation
import Raft
import Net
import Replica

/// What a node needs to run its part of the cluster.
public struct RaftDriverConfiguration: Sendable {
    /// This node's id as configured ("node1") and in its certificate.
    public var nodeName: String
    /// Raft's numeric id (default: `ClusterNodeID.numeric(nodeName)`).
    public var nodeID: UInt64
    /// Where the peer listener binds (port 0: any; see `PeerTransport.port`).
    public var listenHost: String
    public var listenPort: Int
    /// Every member, this node included or not (it is filtered out).
    public var peers: [ClusterPeer]
    /// Directory of the Raft log, hard state and snapshot marker (e.g. `<data>/raft`).
    public var raftDirectory: String
    /// nil: plain TCP (tests only; peers are then not authenticated).
    public var tls: PeerTLSFiles?
    public var options: RaftDriverOptions
    /// Joins an existing cluster (`join = true`): a fresh log starts with no
    /// configuration; the leader adds this node as a learner.
    public var joining = false

    public init(nodeName: String, nodeID: UInt64? = nil, listenHost: String, listenPort: Int,
                peers: [ClusterPeer], raftDirectory: String, tls: PeerTLSFiles?,
                options: RaftDriverOptions = RaftDriverOptions()) throws {
        self.nodeName = nodeName
        self.nodeID = try nodeID ?? ClusterNodeID.require(nodeName)
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.peers = peers
        self.raftDirectory = raftDirectory
        self.tls = tls
        self.options = options
    }

    /// The bootstrap voters (see `ReplicaConfiguration.voters`).
    public var voters: [UInt64] { joining ? [] : Array(Set(peers.map(\.id) + [nodeID])).sorted() }
}

extension RaftDriverConfiguration {
    /// What the driver itself needs.
    public var replica: ReplicaConfiguration {
        ReplicaConfiguration(nodeName: nodeName, nodeID: nodeID, voters: voters,
                             memberNames: Dictionary(peers.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }),
                             joining: joining, options: options)
    }
}

extension RaftDriver {
    /// A node's replica: the Raft log in files under `configuration.raftDirectory`
    /// (opened here, blocking) and the TLS peer link on `loop`.
    public convenience init(configuration: RaftDriverConfiguration, loop: EventLoop,
                            stateMachine: ReplicatedStateMachine) throws {
        let storage = try FileRaftStorage(directory: configuration.raftDirectory, voters: configuration.voters,
                                          segmentSize: configuration.options.segmentSize)
        let transport = PeerTransport(loop: loop, selfName: configuration.nodeName, selfID: configuration.nodeID,
                                      listenHost: configuration.listenHost, listenPort: configuration.listenPort,
                                      peers: configuration.peers, tls: configuration.tls)
        do {
            try self.init(configuration: configuration.replica, loop: loop, link: transport, storage: storage,
                          stateMachine: stateMachine)
        } catch {
            storage.close()
            throw error
        }
    }

    /// The TLS peer link (register `.forward` handlers on it, reload its certificates).
    public var transport: PeerTransport { link as! PeerTransport }
}

extension EventLoop: ReplicaLoop {
    public func run<T>(_ body: @escaping () throws -> T) throws -> T { try submit(body) }

    public func blocking<T>(_ work: () throws -> T) rethrows -> T? {
        assert(inEventLoop, "blocking work runs on the loop's own thread")
        return try work()
    }

    public func repeating(every interval: Duration, _ body: @escaping () -> Void) -> ReplicaTimer {
        scheduleTimer(after: interval, repeating: interval, body)
    }

    public var monotonicNow: Double { clusterMonotonicNow() }
}

extension TimerHandle: ReplicaTimer {}
