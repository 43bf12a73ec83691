import Foundation
import Net

/// The monitoring HTTP handler of a node's metrics port:
///
/// - `GET /metrics` — Prometheus text format 0.0.4 from `TallyMetrics`.
/// - `GET /health`  — 200 `ok` while the node can serve; 503 with the reason otherwise.
/// - `GET /status`  — JSON `NodeStatusReport`.
///
/// Other paths are 404; other methods 405. Answers synchronously on the
/// calling (loop) thread, so the sources are called there.
public struct MetricsEndpoint: HTTPHandler {
    public let metrics: TallyMetrics
    public let status: NodeStatusSource?
    /// Overrides the health verdict; by default it is `status.nodeStatus().health`
    /// (and `.serving` with no status source).
    public let health: (() -> NodeHealth)?

    public init(metrics: TallyMetrics, status: NodeStatusSource? = nil, health: (() -> NodeHealth)? = nil) {
        self.metrics = metrics
        self.status = status
        self.health = health
    }

    public func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        respond(response(to: request))
    }

    public func response(to request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        guard ["/metrics", "/health", "/status"].contains(path) else {
            return .text("not found\n", status: 404)
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            var r = HTTPResponse.text("method not allowed\n", status: 405)
            r.headers.set("Allow", "GET, HEAD")
            return r
        }
        var r: HTTPResponse
        switch path {
        case "/metrics":
            r = HTTPResponse(status: 200, headers: ["Content-Type": TallyMetrics.contentType], body: metrics.exposition())
        case "/health":
            switch currentHealth() {
            case .serving: r = .text("ok\n")
            case .unavailable(let reason): r = .text(reason + "\n", status: 503)
            }
        default:
            if let status {
                r = HTTPResponse(status: 200, headers: ["Content-Type": "application/json"],
                                 body: status.nodeStatus().jsonBytes())
            } else {
                r = .text("no status source\n", status: 503)
            }
        }
        r.headers.set("Cache-Control", "no-store")
        if request.method == "HEAD" { r.body = .bytes([]) }
        return r
    }

    public func currentHealth() -> NodeHealth {
        if let health { return health() }
        return status?.nodeStatus().health ?? .serving
    }
}
