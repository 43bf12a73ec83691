import Foundation

/// HTTP/1.1 (or HTTPS with `configuration.tls`) on a TCP listener. Loop thread only.
public final class HTTPServer {
    public let loop: EventLoop
    public private(set) var configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    private var listener: TCPListener?
    private var stopped = false
    private var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
    private let bodyBudget: HTTPBodyBudget
    public private(set) var stats = HTTPServerStats()
    /// Told whenever one of this server's connections has closed or moved
    /// away (`relocate`), or one on its way here (`adopt`) could not be opened.
    public var onConnectionClosed: (() -> Void)?
    /// Asked whenever a connection has answered a request and is idle with
    /// nothing buffered: a server on another loop to serve it from now on, or
    /// nil to keep it. A server returned is then given the connection (`adopt`).
    public var relocate: (() -> HTTPServer?)?

    public init(loop: EventLoop, configuration: HTTPServerConfiguration, handler: HTTPHandler) {
        self.loop = loop
        self.configuration = configuration
        self.handler = handler
        bodyBudget = HTTPBodyBudget(limit: configuration.maxBufferedBodyBytes)
    }

    /// Binds and starts accepting. `port` then holds the bound port.
    public func start() throws {
        guard listener == nil else { return }
        // Strong capture: a listening server stays alive until `stop()`.
        let l = try TCPListener(loop: loop, host: configuration.host, port: configuration.port) { conn in
            self.accept(conn)
        }
        l.watermarks = configuration.watermarks
        listener = l
        configuration.port = l.port
    }

    public var port: Int { listener?.port ?? configuration.port }
    public var connectionCount: Int { connections.count }
    /// Body bytes reserved right now by requests not yet handed to the handler.
    public var bufferedBodyBytes: Int { bodyBudget.used }

    /// Goes on serving a connection another server moved here between two
    /// requests (`relocate`), TLS session and all. A connection that cannot be
    /// opened here, or that arrives after `stop()`, is closed and counts as
    /// closed (`onConnectionClosed`).
    public func adopt(_ moved: MovedConnection) {
        guard !stopped else {
            onConnectionClosed?()   // `moved` closes its descriptor as it goes
            return
        }
        let conn: TCPConnection
        do {
            conn = try TCPConnection(loop: loop, adopting: moved.take())
        } catch {
            onConnectionClosed?()
            return
        }
        conn.watermarks = configuration.watermarks
        stats.connectionsMovedIn += 1
        register(moved.tls ?? conn, resumed: true)
        moved.tls?.moveTransport(to: conn)
        conn.startReading()
    }

    /// Hands an idle connection to the server `relocate` names, if any.
    private func connectionIdle(_ c: HTTPServerConnection) {
        guard let relocate, let target = relocate() else { return }
        let stream = c.detachForMove()
        connections.removeValue(forKey: ObjectIdentifier(c))
        let tls = stream as? TLSStream
        let tcp = (tls?.transport ?? stream) as? TCPConnection
        var descriptor: Int32 = -1
        do {
            descriptor = try tcp?.detachDescriptor() ?? -1
        } catch {
            tcp?.close(graceful: false)
        }
        stats.connectionsMovedOut += 1
        onConnectionClosed?()
        let moved = MovedConnection(descriptor: descriptor, tls: descriptor >= 0 ? tls : nil)
        target.loop.execute { target.adopt(moved) }
    }

    private func accept(_ conn: TCPConnection) {
        stats.connectionsAccepted += 1
        guard connections.count < configuration.maxConnections else {
            stats.connectionsRefused += 1
            conn.close(graceful: false)
            return
        }
        let stream: ByteStream
        if let tls = configuration.tls {
            do {
                let t = try TLSStream(transport: conn, context: tls)
                t.onHandshake = { [weak self] result in
                    if case .failure = result { self?.stats.tlsHandshakeFailures += 1 }
                }
                stream = t
            } catch {
                conn.close(graceful: false)
                return
            }
        } else {
            stream = conn
        }
        register(stream, resumed: false)
    }

    private func register(_ stream: ByteStream, resumed: Bool) {
        let c = HTTPServerConnection(stream: stream, loop: loop, configuration: configuration, handler: handler,
                                     bodyBudget: bodyBudget, resumed: resumed)
        c.onStats = { [weak self] update in
            if let self { update(&self.stats) }
        }
        c.onClosed = { [weak self] c in
            guard let self else { return }
            connections.removeValue(forKey: ObjectIdentifier(c))
            onConnectionClosed?()
        }
        c.onIdle = { [weak self] c in self?.connectionIdle(c) }
        connections[ObjectIdentifier(c)] = c
    }

    /// The TLS context for connections accepted from now on (certificate
    /// rotation); open connections keep the one they were accepted with.
    public func replaceTLS(_ tls: TLSContext?) {
        configuration.tls = tls
    }

    /// Stops listening and closes every connection, and any moved here later.
    public func stop() {
        stopped = true
        listener?.close()
        listener = nil
        for c in Array(connections.values) { c.close() }
    }
}

/// A connection between two requests on its way to another loop's server:
/// a duplicate of its socket's descriptor, and its TLS session if it has one.
/// `HTTPServer.adopt` takes the descriptor over; dropped before that (the
/// other loop shut down with it still queued, or its server had stopped), it
/// closes the descriptor, so the client sees the connection end.
public final class MovedConnection: @unchecked Sendable {
    private var descriptor: Int32
    let tls: TLSStream?

    init(descriptor: Int32, tls: TLSStream?) {
        self.descriptor = descriptor
        self.tls = tls
    }

    /// The descriptor, from now on the caller's to close (-1 if there is none).
    func take() -> Int32 {
        defer { descriptor = -1 }
        return descriptor
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }
}
