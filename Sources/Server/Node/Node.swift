import Foundation
import Replica
import Ledger
import Net
import QLDBWire

/// One Tally node: the replicated ledgers (`NodeStateMachine` behind a
/// `RaftDriver`), the client port (QLDB session API and control plane over
/// HTTPS), the peer port (Raft, forwarding, catch-up over mutual TLS) and the
/// metrics port. A configuration with no peers is a complete single-node
/// database; its log commits once this node has it durable.
///
/// Threading: everything runs on the node's one event loop.
public final class Node {
    public static let version = "0.1.0"

    public let config: NodeConfig
    public let loop: EventLoop
    public let stateMachine: NodeStateMachine
    public private(set) var driver: RaftDriver!
    public private(set) var sessions: SessionManager!
    public private(set) var controlPlane: ControlPlane!
    public let metrics: TallyMetrics
    private var clientServer: HTTPServer?
    /// The client connections the node's loop serves itself (`[http] node_loop_connections`).
    private var nodeLoopClients: HTTPServer?
    private(set) var clientPlacement: ClientConnectionPlacement?
    /// The client port's own loops (`[http] client_loop`, `client_loops`), each with a
    /// server; the first one's listens (`clientServer`). Empty: `loop` serves the port.
    private var clientLoops: [(loop: EventLoop, server: HTTPServer)] = []
    private(set) var clientBalance: ClientLoopBalance?
    private var metricsServer: HTTPServer?
    private var router: ClientRouter!
    private var timers: [TimerHandle] = []
    /// The background journal scrubber (nil when `[scrub] megabytes_per_second = 0`).
    private(set) var scrubbing: LedgerScrubbing?
    private var statementRunner: PooledStatementRunner?
    private let authFailures = AuthFailureLog()
    /// Set once the Raft log or a journal failed to write or fsync: the node
    /// then refuses writes, and `/health` says so.
    public var storageError: String? { driver?.storageFailure ?? stateMachine.storageFailure }
    private let adminToken: String
    /// A hot backup is copying (one at a time). Loop thread.
    var backupRunning = false
    /// The credentials file as SigV4 verifies against it (re-read on `reload()`).
    private(set) var credentialStore: ReloadableCredentialStore?
    /// New client connections get `tls`, on either loop (certificate rotation, `Node+Reload.swift`).
    func replaceClientTLS(_ tls: TLSContext?) {
        let (listener, local) = (clientServer, nodeLoopClients)
        (clientLoops.first?.loop ?? loop).execute { listener?.replaceTLS(tls) }
        loop.execute { local?.replaceTLS(tls) }
    }

    public init(config: NodeConfig) throws {
        self.config = config
        try Node.armFailpoints(config, environment: ProcessInfo.processInfo.environment)
        try FileManager.default.createDirectory(atPath: config.dataDirectory, withIntermediateDirectories: true)
        if config.streams.root == nil {
            try FileManager.default.createDirectory(atPath: config.streamRoot, withIntermediateDirectories: true)
        }
        adminToken = try AdminToken.loadOrCreate(path: config.adminTokenFile)
        loop = try EventLoop(name: "tally-\(config.nodeID)", spinBeforeSleep: .microseconds(config.http.loopSpinMicroseconds))
        stateMachine = try NodeStateMachine(options: Node.registryOptions(config))
        metrics = TallyMetrics(nodeID: ClusterNodeID.numeric(config.nodeID), version: Node.version)
    }

    /// Where the ledgers live and how they are opened: a ledger transaction
    /// lives as long as the session layer lets it (`session.transaction_timeout_seconds`).
    static func registryOptions(_ config: NodeConfig) -> LedgerRegistry.Options {
        var ledgers = Ledger.Options()
        ledgers.limits.transactionLifetimeMs = Int64((config.session.transactionTimeout * 1000).rounded(.up))
        var options = LedgerRegistry.Options(dataDirectory: config.dataDirectory + "/ledgers", ledgerOptions: ledgers)
        options.stateOnDisk = config.storage.stateOnDisk
        return options
    }

    /// Starts every listener and the Raft driver; returns once they are bound.
    public func start() throws {
        loop.start()
        try loop.submit { try self.startOnLoop() }
    }

    private func startOnLoop() throws {
        let raft = try RaftDriverConfiguration(
            nodeName: config.nodeID,
            listenHost: config.listen.peer.host, listenPort: config.listen.peer.port,
            peers: try Node.knownPeers(config),
            raftDirectory: config.dataDirectory + "/raft",
            tls: config.tls.flatMap { tls in
                tls.caFile.map { PeerTLSFiles(certificateFile: tls.certificateFile, privateKeyFile: tls.privateKeyFile, caFile: $0) }
            },
            options: {
                var o = RaftDriverOptions()
                o.tickInterval = .milliseconds(config.raft.tickMilliseconds)
                o.electionTicks = config.raft.electionTicks
                o.heartbeatTicks = config.raft.heartbeatTicks
                o.compactionThreshold = UInt64(config.raft.compactionThreshold)
                o.slowFsyncThreshold = .milliseconds(config.raft.slowFsyncMilliseconds)
                o.followerLogWritesOnLoop = config.raft.followerWritesOnLoop
                return o
            }())
        // The log is compacted only up to `durableIndex` (what ledgers.ion records): record it at
        // least as often as the compaction threshold, or a low threshold would never compact.
        stateMachine.registry.options.metadataInterval = min(stateMachine.registry.options.metadataInterval,
                                                             UInt64(config.raft.compactionThreshold))
        var raftConfiguration = raft
        raftConfiguration.joining = config.join
        driver = try RaftDriver(configuration: raftConfiguration, loop: loop, stateMachine: stateMachine)
        wireMembership()
        // A leader whose process died (its link closed) is replaced within a few ticks.
        driver.transport.onPeerDisconnected = { [weak self] peer in self?.driver.peerLinkLost(peer) }
        driver.onFsync = { [metrics] elapsed in metrics.recordJournalFsync(elapsed) }

        let runner = PooledStatementRunner(loop: loop, threads: config.statements.threads)
        statementRunner = runner
        let backend = LedgerSessionBackend(directory: self, runner: runner,
                                           settings: config.statements) { [weak self] ledger, reads, writes in
            guard let self, self.stateMachine.state(of: ledger) != nil else { return }
            self.metrics.ledger(ledger).recordIOs(reads: Int(reads), writes: Int(writes))
        }
        sessions = SessionManager(backend: backend, settings: config.session)
        sessions.onCommand = { [weak self] record in
            guard let self, self.stateMachine.state(of: record.ledger) != nil else { return }
            self.metrics.ledger(record.ledger).record(record)
        }
        let authenticator = try makeAuthenticator()
        controlPlane = ControlPlane(
            stateMachine: stateMachine, replicator: driver,
            options: {
                var o = ControlPlane.Options(exportRoot: config.dataDirectory + "/exports", streamSinks: config.streamSinks,
                                             schedule: { [loop] work in loop.execute(work) })
                o.maxExportsPerCredential = config.exports.maxConcurrentPerCredential
                return o
            }(),
            loop: loop)
        let stuck = StuckRequestWatch(threshold: .milliseconds(Int(config.http.stuckRequestSeconds * 1000)))
        stuck.sessionOfToken = { [weak sessions] token in sessions?.ledgerAndSessionID(forToken: token) }
        router = ClientRouter(node: self, session: SessionEndpoint(manager: sessions, authenticator: authenticator),
                              authenticator: authenticator,
                              limits: ClientBodyLimits(sessionAPI: config.http.maxBodyBytes), stuck: stuck,
                              leaderWait: .milliseconds(Int(config.http.leaderWaitSeconds * 1000)))
        controlPlane.forwardToLeader = { [weak self] request, _, respond in
            guard let self else { return false }
            return self.router.forward(request, respond: respond)
        }
        driver.transport.setHandler(.forward) { [weak self] _, payload, respond in
            self?.router.handleForwarded(payload, respond: respond)
        }
        try driver.start()

        var http = HTTPServerConfiguration(host: config.listen.client.host, port: config.listen.client.port,
                                           tls: try makeClientTLS())
        http.maxHeaderBytes = config.http.maxHeaderBytes
        http.maxBodyBytes = config.http.maxBodyBytes
        http.headerTimeout = .milliseconds(Int(config.http.headerTimeout * 1000))
        http.bodyTimeout = .milliseconds(Int(config.http.bodyTimeout * 1000))
        http.idleTimeout = .milliseconds(Int(config.http.idleTimeout * 1000))
        http.maxConnections = config.http.maxConnections
        http.maxBufferedBodyBytes = config.http.maxBufferedBodyBytes
        if config.http.clientLoop {
            for k in 1...config.http.clientLoops {
                let clientLoop = try EventLoop(name: "tally-\(config.nodeID)-client" + (k == 1 ? "" : "\(k)"),
                                               spinBeforeSleep: .microseconds(config.http.loopSpinMicroseconds))
                clientLoop.start()
                clientLoops.append((clientLoop, HTTPServer(loop: clientLoop, configuration: http,
                                                           handler: ClientLoopHandler(router: router, nodeLoop: loop,
                                                                                      clientLoop: clientLoop))))
            }
            let (clientLoop, server) = clientLoops[0]
            let others = clientLoops.dropFirst().map(\.server)
            let balance = others.isEmpty ? nil : ClientLoopBalance(otherLoops: others.count)
            if config.http.nodeLoopConnections > 0 {
                let local = HTTPServer(loop: loop, configuration: http, handler: router)
                let placement = ClientConnectionPlacement(limit: config.http.nodeLoopConnections,
                                                          hasPeers: !config.peers.isEmpty)
                placement.connect(listener: server, to: local, onOtherClientLoops: { balance?.otherLoopConnections ?? 0 })
                clientPlacement = placement
                nodeLoopClients = local
            }
            // After the node's loop has taken its places: the rest are spread over the client loops.
            balance?.connect(listener: server, to: others)
            clientBalance = balance
            try clientLoop.submit { try server.start() }
            clientServer = server
        } else {
            let server = HTTPServer(loop: loop, configuration: http, handler: router)
            try server.start()
            clientServer = server
        }

        metrics.source = self
        let admin = AdminEndpoint(node: self, metrics: MetricsEndpoint(metrics: metrics, status: self), token: adminToken)
        var metricsHTTP = HTTPServerConfiguration(host: config.listen.metrics.host, port: config.listen.metrics.port)
        metricsHTTP.maxBodyBytes = 64 * 1024
        metricsHTTP.maxConnections = 256
        let metricsServer = HTTPServer(loop: loop, configuration: metricsHTTP, handler: admin)
        try metricsServer.start()
        self.metricsServer = metricsServer

        timers.append(loop.scheduleTimer(after: .seconds(5), repeating: .seconds(5)) { [weak self] in
            self?.sessions.sweep()
        })
        if config.scrub.megabytesPerSecond > 0 {
            scrubbing = LedgerScrubbing(loop: loop, megabytesPerSecond: config.scrub.megabytesPerSecond,
                                        passInterval: config.scrub.passIntervalSeconds, logger: NodeLog.node,
                                        isOpen: { [weak self] name, ledger in self?.stateMachine.ledger(named: name) === ledger })
        }
        timers.append(loop.scheduleTimer(after: .seconds(1), repeating: .seconds(1)) { [weak self] in
            self?.scrubTick()
            self?.controlPlane.reconcile()
            self?.router.stuck.scan()
            self?.authFailures.flush()
            self?.notePeersForPlacement()
        })
    }

    public var clientPort: Int { clientServer?.port ?? config.listen.client.port }
    public var metricsPort: Int { metricsServer?.port ?? config.listen.metrics.port }

    /// Stops listening, lets the driver finish, and closes the journals.
    public func stop() {
        statementRunner?.stop()
        // The listening loop first; no new requests reach the node's loop once the last returns.
        for (clientLoop, server) in clientLoops {
            try? clientLoop.submit { server.stop() }
            clientLoop.shutdown()
        }
        try? loop.submit {
            for t in self.timers { t.cancel() }
            self.timers.removeAll()
            if self.clientLoops.isEmpty { self.clientServer?.stop() }
            self.nodeLoopClients?.stop()
            self.metricsServer?.stop()
            self.driver?.stop()
            try? self.stateMachine.checkpoint()
            self.stateMachine.close()
        }
        loop.shutdown()
    }

    private func makeAuthenticator() throws -> RequestAuthenticator {
        switch config.auth.mode {
        case .none:
            return RequestAuthenticator(mode: .none, verifier: SigV4Verifier(credentials: StaticCredentialStore([])))
        case .sigv4:
            let store = try ReloadableCredentialStore(path: config.auth.credentialsFile)
            credentialStore = store
            var verifier = SigV4Verifier(credentials: store)
            verifier.maxClockSkew = config.auth.maxClockSkew
            verifier.region = config.auth.region
            return RequestAuthenticator(mode: .sigv4, verifier: verifier, failureLog: authFailures)
        }
    }

    func makeClientTLS() throws -> TLSContext? {
        guard let tls = config.tls else { return nil }
        return try TLSContext(.server(certificateChain: .file(tls.certificateFile), privateKey: .file(tls.privateKeyFile)),
                              role: .server)
    }
}
