import Foundation
import Net
import QLDBWire

/// A node's configuration (`tally node --config node.toml`). Every field has
/// a default, so an empty file is a complete single-node configuration. The
/// file format is documented in Docs/protocol.md ("Node configuration").
public struct NodeConfig: Equatable, Sendable {
    public struct Listen: Equatable, Sendable {
        /// Session API and control plane (HTTPS).
        public var client = NetworkAddress(host: "127.0.0.1", port: 8443)
        /// Raft traffic between nodes.
        public var peer = NetworkAddress(host: "127.0.0.1", port: 7443)
        /// Prometheus metrics (plain HTTP).
        public var metrics = NetworkAddress(host: "127.0.0.1", port: 9464)
    }

    public struct Peer: Equatable, Sendable {
        public var id: String
        public var address: NetworkAddress
    }

    public struct TLS: Equatable, Sendable {
        public var certificateFile: String
        public var privateKeyFile: String
        /// CA that signed peer certificates (and clients' trust anchor).
        public var caFile: String?
    }

    public struct Auth: Equatable, Sendable {
        public var mode: AuthMode = .sigv4
        /// INI file in `~/.aws/credentials` format (see `CredentialsFile`).
        public var credentialsFile = "credentials"
        public var maxClockSkew: TimeInterval = 15 * 60
        /// The region SigV4 credential scopes must name; nil accepts any.
        public var region: String?
    }

    public struct HTTP: Equatable, Sendable {
        public var maxHeaderBytes = 32 * 1024
        public var maxBodyBytes = 8 * 1024 * 1024
        public var headerTimeout: TimeInterval = 10
        public var bodyTimeout: TimeInterval = 60
        public var idleTimeout: TimeInterval = 60
        public var maxConnections = 10_000
        /// Body bytes held at once, across connections, for requests not yet
        /// authenticated; more gets 503 + close.
        public var maxBufferedBodyBytes = 64 * 1024 * 1024
        /// A request unanswered this long is logged once at `warning`.
        public var stuckRequestSeconds: TimeInterval = 5
        /// A follower holds a client request this long while no leader is known
        /// or reachable (an election) before answering 503; 0 answers at once.
        public var leaderWaitSeconds: TimeInterval = 4
        /// Client connections (TLS, HTTP, SigV4, request decoding) on a loop
        /// thread of their own, beside the node's loop; false runs everything on one.
        public var clientLoop = true
        /// With `clientLoop`: this many client connections at a time are served on the
        /// node's loop instead (no hop between the loops per request, the lowest latency
        /// for a few clients); the rest go to the client loop. A node with peers serves
        /// none there while it has more client connections than this.
        public var nodeLoopConnections = 8
        /// With `clientLoop`: the client loops (threads). The first accepts every
        /// connection; idle ones are then spread evenly over the others.
        public var clientLoops = 2
        public static let maxClientLoops = 64
        /// The node's loops (and the client loop) keep polling this long after
        /// work before they sleep (`EventLoop`'s spin); 0 sleeps at once.
        public var loopSpinMicroseconds = defaultLoopSpinMicroseconds
        public static let defaultLoopSpinMicroseconds = 50
        public static let maxLoopSpinMicroseconds = 10_000
    }

    /// Raft timing and log compaction (`RaftDriverOptions`).
    public struct Raft: Equatable, Sendable {
        public var tickMilliseconds = 100
        public var electionTicks = 10
        public var heartbeatTicks = 1
        public var compactionThreshold = 10_000
        /// An fsync (Raft log or journal) at least this slow is logged (`slow fsync`, warning).
        public var slowFsyncMilliseconds = 100
        /// A follower writes its Raft log on its loop (`RaftDriverOptions.followerLogWritesOnLoop`).
        public var followerWritesOnLoop = true
    }

    /// `[streams]`: which Kinesis stream ARNs deliver where (StreamJournalToKinesis).
    public struct Streams: Equatable, Sendable {
        /// File sinks live here; nil = `<data_dir>/streams`.
        public var root: String?
        /// Any well-formed Kinesis ARN without a sink entry goes to `<root>/<name>.ion`.
        public var allowAnyArn = false
        public var sinks: [StreamSinks.Entry] = []
    }

    public struct Admin: Equatable, Sendable {
        /// The bearer token of `/admin/…`; nil = `<data_dir>/admin.token` (created at first start).
        public var tokenFile: String?
    }

    public struct Exports: Equatable, Sendable {
        public var maxConcurrentPerCredential = 2
    }

    /// `[scrub]`: the background re-verification of every ledger's journal.
    public struct Scrub: Equatable, Sendable {
        /// Journal bytes re-verified per second, all ledgers together; 0 turns the scrubber off.
        /// Re-verification runs at about 25 MB/s per core (Docs/performance.md), so 5 MB/s
        /// takes about a fifth of a core.
        public var megabytesPerSecond: Double = 5
        /// A new pass over a ledger's journal starts at most this often (from one
        /// pass's start to the next); 0: back to back.
        public var passIntervalSeconds: Double = 3600
    }

    /// `[testing]`: switches for fault-injection tests only.
    public struct Testing: Equatable, Sendable {
        /// Lets `TALLY_FAILPOINTS` and `POST /admin/failpoints` arm `Failpoints`
        /// (fsync errors and delays, a wall-clock offset). Off: the variable
        /// makes the node refuse to start and the endpoint answers 404.
        public var failpoints = false
    }

    public var nodeID = "node1"
    public var dataDirectory = "data"
    public var listen = Listen()
    /// The other members of the cluster; empty for a single node. With
    /// `join`, the members to reach; otherwise also the bootstrap voters.
    public var peers: [Peer] = []
    /// `join = true`: this node joins an existing cluster (`tally cluster add`):
    /// it starts with no configuration and learns it from the leader, which
    /// adds it as a learner and promotes it once it caught up.
    public var join = false
    /// nil serves plain HTTP (development only).
    public var tls: TLS?
    public var auth = Auth()
    public var session = SessionSettings()
    public var http = HTTP()
    public var raft = Raft()
    /// `[statements]`: how PartiQL statements may spend the node.
    public var statements = StatementSettings()
    /// `[storage]`: where ledger state lives.
    public var storage = Storage()

    public struct Storage: Equatable, Sendable {
        /// `state = "lmdb"` (default): on disk, start-up replays only past a checkpoint;
        /// `"memory"`: rebuilt from the whole journal at every start.
        public var stateOnDisk = true
    }
    public var streams = Streams()
    public var admin = Admin()
    public var exports = Exports()
    public var scrub = Scrub()
    public var testing = Testing()

    public init() {}

    public var streamRoot: String { streams.root ?? dataDirectory + "/streams" }
    public var adminTokenFile: String { admin.tokenFile ?? dataDirectory + "/admin.token" }

    public var streamSinks: StreamSinks {
        StreamSinks(root: streamRoot, allowAnyArn: streams.allowAnyArn, entries: streams.sinks)
    }
}
