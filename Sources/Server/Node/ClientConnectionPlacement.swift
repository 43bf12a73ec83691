import Foundation
import Net

/// Where client connections are served when the client port has a loop of
/// its own (`[http] client_loop`): up to `limit` connections at a time on the
/// node's loop, where a request costs no hop between threads (two wake-ups,
/// ≈ 0.1 ms a request on a VM); every other connection on the client loop, so
/// that many clients still use both cores. Every connection starts on the
/// client loop, so TLS handshakes (and connections that never finish a
/// request) never cost the node's loop anything; one that has answered a
/// request and is idle moves to a free place, and a place freed by a closed
/// connection goes to the next that finishes a request.
final class ClientConnectionPlacement: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var onNodeLoop = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Moves `listener`'s idle connections, while there is room, to `local`
    /// (a server on the node's loop that does not listen itself).
    func connect(listener: HTTPServer, to local: HTTPServer) {
        local.onConnectionClosed = { [self] in release() }
        listener.relocate = { [self] in claim() ? local : nil }
    }

    /// Connections on the node's loop right now (or on their way there).
    var nodeLoopConnections: Int { lock.withLock { onNodeLoop } }

    func claim() -> Bool {
        lock.withLock {
            guard onNodeLoop < limit else { return false }
            onNodeLoop += 1
            return true
        }
    }

    func release() {
        lock.withLock {
            precondition(onNodeLoop > 0, "a node-loop client connection released twice")
            onNodeLoop -= 1
        }
    }
}
