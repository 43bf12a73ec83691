/// An outbound link to one peer node that keeps itself connected: it dials,
/// completes the (mutual) TLS handshake, checks the peer's node id, waits for
/// the listener's hello frame (proof the peer accepted us), and after
/// any failure or disconnect redials with capped exponential backoff. Frames
/// sent while disconnected are refused (`send` returns false); Raft resends.
/// Loop thread only.
public final class PeerConnection {
    public enum State: Equatable { case idle, connecting, connected, waiting, stopped }

    public let loop: EventLoop
    public let host: String
    public let port: Int
    /// Used for the next dial: replacing it (certificate rotation) leaves the current link as it is.
    public var tls: TLSContext?
    let expectedPeerName: String?
    public var backoff: Backoff
    public var connectTimeout: Duration = .seconds(5)
    public let maxFrameSize: Int

    public var onFrame: (([UInt8]) -> Void)?
    public var onConnect: ((PeerCertificate?) -> Void)?
    public var onDisconnect: ((NetError?) -> Void)?

    public private(set) var state: State = .idle
    public private(set) var attempts = 0
    public private(set) var connectionsEstablished = 0
    public private(set) var lastError: NetError?
    private var failuresInARow = 0
    private var link: FramedConnection?
    private var retryTimer: LoopTimer?
    private var generation = 0

    /// `tls` is a client context (with this node's certificate for mutual
    /// auth); `expectedPeerName` is the node id the peer's certificate must carry.
    public init(loop: EventLoop, host: String, port: Int, tls: TLSContext?, expectedPeerName: String?,
                backoff: Backoff = Backoff(), maxFrameSize: Int = Frame.defaultMaxSize) {
        self.loop = loop
        self.host = host
        self.port = port
        self.tls = tls
        self.expectedPeerName = expectedPeerName
        self.backoff = backoff
        self.maxFrameSize = maxFrameSize
    }

    public var isConnected: Bool { state == .connected && link?.isOpen == true }
    public var isWritable: Bool { isConnected && link?.isWritable == true }

    public func start() {
        guard state == .idle else { return }
        dial()
    }

    /// Closes the link and stops redialling.
    public func stop() {
        state = .stopped
        generation += 1
        retryTimer?.close()
        retryTimer = nil
        link?.close()
        link = nil
    }

    @discardableResult
    public func send(_ payload: [UInt8]) -> Bool {
        guard isConnected, let link else { return false }
        return link.send(payload)
    }

    private func dial() {
        guard state != .stopped, !loop.isShuttingDown else { return }
        state = .connecting
        attempts += 1
        generation += 1
        let gen = generation
        TCPConnection.connect(loop: loop, host: host, port: port, timeout: connectTimeout) { [weak self] result in
            guard let self else {
                if case .success(let c) = result { c.close(graceful: false) }
                return
            }
            guard gen == self.generation, self.state == .connecting else {
                if case .success(let c) = result { c.close(graceful: false) }
                return
            }
            switch result {
            case .failure(let e):
                self.failed(e)
            case .success(let conn):
                // Bound the handshake and the wait for the listener's hello.
                self.loop.scheduleTimer(after: self.connectTimeout) { [weak self, weak conn] in
                    guard let self, gen == self.generation, self.state == .connecting else { return }
                    conn?.close(graceful: false)
                }
                guard let tls = self.tls else {
                    self.awaitHello(FramedConnection(stream: conn, maxFrameSize: self.maxFrameSize), nil)
                    return
                }
                do {
                    let t = try TLSStream(transport: conn, context: tls,
                                          options: TLSSessionOptions(expectedPeerName: self.expectedPeerName))
                    t.onHandshake = { [weak self] r in
                        guard let self, gen == self.generation, self.state == .connecting else {
                            t.close(graceful: false)
                            return
                        }
                        switch r {
                        case .success(let cert):
                            self.awaitHello(FramedConnection(stream: t, maxFrameSize: self.maxFrameSize), cert)
                        case .failure(let e):
                            self.failed(e)
                        }
                    }
                } catch {
                    conn.close(graceful: false)
                    self.failed(error as? NetError ?? NetError(.tls, "\(error)"))
                }
            }
        }
    }

    private func awaitHello(_ link: FramedConnection, _ cert: PeerCertificate?) {
        self.link = link
        let gen = generation
        link.onFirstFrame = { [weak self] in
            guard let self, gen == self.generation else { return }
            self.established(cert)
        }
        link.onFrame = { [weak self] payload in self?.onFrame?(payload) }
        link.onClose = { [weak self] error in
            guard let self, gen == self.generation else { return }
            self.link = nil
            let wasConnected = self.state == .connected
            if wasConnected { self.onDisconnect?(error) }
            self.failed(error ?? NetError(.closed, wasConnected ? "peer closed the connection"
                                                                : "peer closed the connection before accepting it"))
        }
    }

    private func established(_ cert: PeerCertificate?) {
        state = .connected
        connectionsEstablished += 1
        failuresInARow = 0
        onConnect?(cert)
    }

    private func failed(_ error: NetError) {
        guard state != .stopped else { return }
        lastError = error
        state = .waiting
        guard !loop.isShuttingDown else { return }
        let delay = backoff.delay(attempt: failuresInARow)
        failuresInARow += 1
        let t = retryTimer ?? LoopTimer(loop: loop)
        retryTimer = t
        t.start(after: delay) { [weak self] in self?.dial() }
    }
}
