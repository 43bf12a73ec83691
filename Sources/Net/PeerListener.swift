/// Accepts inbound peer links: TCP, then (mutual) TLS with the peer's
/// certificate checked by `authorize`, then frames. Loop thread only.
public final class PeerListener {
    public let loop: EventLoop
    private var listener: TCPListener?
    /// Used for the next handshake: replacing it (certificate rotation) leaves accepted links as they are.
    public var tls: TLSContext?
    private let maxFrameSize: Int
    private let handshakeTimeout: Duration
    private let authorize: ((PeerCertificate?) -> String?)?
    private var onConnection: ((FramedConnection) -> Void)?
    public private(set) var rejected = 0
    public private(set) var lastRejection: NetError?

    /// `tls` is a server context that requires client certificates; `authorize`
    /// returns a reason to refuse a verified peer (e.g. an unknown node id).
    public init(loop: EventLoop, host: String, port: Int, tls: TLSContext?,
                maxFrameSize: Int = Frame.defaultMaxSize, handshakeTimeout: Duration = .seconds(10),
                authorize: ((PeerCertificate?) -> String?)? = nil,
                onConnection: @escaping (FramedConnection) -> Void) throws {
        self.loop = loop
        self.tls = tls
        self.maxFrameSize = maxFrameSize
        self.handshakeTimeout = handshakeTimeout
        self.authorize = authorize
        self.onConnection = onConnection
        // Strong capture: an open listener keeps this object alive until `close()`.
        listener = try TCPListener(loop: loop, host: host, port: port) { conn in
            self.accept(conn)
        }
    }

    /// Only peers whose certificate names one of `ids` (CN or SAN).
    public static func allowing(_ ids: Set<String>) -> (PeerCertificate?) -> String? {
        { cert in
            guard let cert else { return "peer presented no certificate" }
            return ids.contains(where: { cert.names($0) }) ? nil : "peer \(cert.subject) is not a cluster member"
        }
    }

    public var port: Int { listener?.port ?? 0 }

    public func close() {
        onConnection = nil
        listener?.close()
        listener = nil
    }

    /// Gives an authorized link to the owner and tells the peer it was accepted.
    private func hand(_ link: FramedConnection) {
        guard let cb = onConnection else { return link.close() }
        link.sendHello()
        cb(link)
    }

    private func accept(_ conn: TCPConnection) {
        guard let tls else {
            hand(FramedConnection(stream: conn, maxFrameSize: maxFrameSize))
            return
        }
        let t: TLSStream
        do {
            t = try TLSStream(transport: conn, context: tls, options: TLSSessionOptions(validator: authorize))
        } catch {
            conn.close(graceful: false)
            return
        }
        let timer = loop.scheduleTimer(after: handshakeTimeout) { [weak t] in
            if t?.isHandshakeComplete == false { t?.close(graceful: false) }
        }
        t.onHandshake = { [weak self] r in
            timer.cancel()
            guard let self else { return }
            switch r {
            case .success:
                if self.onConnection != nil {
                    self.hand(FramedConnection(stream: t, maxFrameSize: self.maxFrameSize))
                } else {
                    t.close(graceful: false)
                }
            case .failure(let e):
                self.rejected += 1
                self.lastRejection = e
            }
        }
    }
}
