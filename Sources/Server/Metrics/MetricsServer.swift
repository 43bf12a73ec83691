import Net

/// A node's metrics port: `MetricsEndpoint` on Net's `HTTPServer` over plain
/// TCP. Run it on the node's own loop so the sources are called on the
/// node's thread.
///
///     let server = try MetricsServer.start(loop: loop, host: "127.0.0.1", port: 9463 + nodeIndex,
///                                          metrics: metrics, status: node)
///     ...
///     server.stop()
public final class MetricsServer {
    public let http: HTTPServer
    public let endpoint: MetricsEndpoint

    private init(http: HTTPServer, endpoint: MetricsEndpoint) {
        self.http = http
        self.endpoint = endpoint
    }

    /// The default metrics port (node i of the local cluster uses 9463 + i).
    public static let defaultPort = 9464

    /// Binds and starts serving; from any thread (it hops to `loop`). Port 0
    /// binds an ephemeral port; `port` then tells which.
    public static func start(loop: EventLoop, host: String = "127.0.0.1", port: Int = MetricsServer.defaultPort,
                             metrics: TallyMetrics, status: NodeStatusSource? = nil,
                             health: (() -> NodeHealth)? = nil) throws -> MetricsServer {
        let endpoint = MetricsEndpoint(metrics: metrics, status: status, health: health)
        var config = HTTPServerConfiguration(host: host, port: port)
        config.maxBodyBytes = 64 * 1024   // nothing here takes a body
        config.maxConnections = 256
        let http = HTTPServer(loop: loop, configuration: config, handler: endpoint)
        try loop.submit { try http.start() }
        return MetricsServer(http: http, endpoint: endpoint)
    }

    /// The bound port (read on the loop).
    public var port: Int { (try? http.loop.submit { self.http.port }) ?? http.configuration.port }

    /// Stops listening and closes connections; from any thread.
    public func stop() {
        let http = self.http
        _ = try? http.loop.submit { http.stop() }
    }
}
