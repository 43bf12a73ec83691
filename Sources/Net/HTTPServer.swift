import Foundation

/// HTTP/1.1 (or HTTPS with `configuration.tls`) on a TCP listener. Loop thread only.
public final class HTTPServer {
    public let loop: EventLoop
    public private(set) var configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    private var listener: TCPListener?
    private var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
    private let bodyBudget: HTTPBodyBudget
    public private(set) var stats = HTTPServerStats()
    /// Asked of every accepted connection before anything is read: true means
    /// it has been taken elsewhere (`TCPConnection.detachDescriptor`, then
    /// another server's `adopt(descriptor:)`), and this server forgets it.
    public var handOff: ((TCPConnection) -> Bool)?
    /// Told whenever one of this server's connections has closed.
    public var onConnectionClosed: (() -> Void)?

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

    /// Serves a connection another loop accepted (a descriptor from
    /// `TCPConnection.detachDescriptor`); this server need not listen itself.
    public func adopt(descriptor: Int32) {
        let conn: TCPConnection
        do {
            conn = try TCPConnection(loop: loop, adopting: descriptor)
        } catch {
            onConnectionClosed?()
            return
        }
        conn.watermarks = configuration.watermarks
        guard accept(conn) else {
            onConnectionClosed?()
            return
        }
        conn.startReading()
    }

    @discardableResult
    private func accept(_ conn: TCPConnection) -> Bool {
        if let handOff, handOff(conn) { return false }
        stats.connectionsAccepted += 1
        guard connections.count < configuration.maxConnections else {
            stats.connectionsRefused += 1
            conn.close(graceful: false)
            return false
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
                return false
            }
        } else {
            stream = conn
        }
        let c = HTTPServerConnection(stream: stream, loop: loop, configuration: configuration, handler: handler,
                                     bodyBudget: bodyBudget)
        c.onStats = { [weak self] update in
            if let self { update(&self.stats) }
        }
        c.onClosed = { [weak self] c in
            guard let self else { return }
            connections.removeValue(forKey: ObjectIdentifier(c))
            onConnectionClosed?()
        }
        connections[ObjectIdentifier(c)] = c
        return true
    }

    /// The TLS context for connections accepted from now on (certificate
    /// rotation); open connections keep the one they were accepted with.
    public func replaceTLS(_ tls: TLSContext?) {
        configuration.tls = tls
    }

    /// Stops listening and closes every connection.
    public func stop() {
        listener?.close()
        listener = nil
        for c in Array(connections.values) { c.close() }
    }
}
