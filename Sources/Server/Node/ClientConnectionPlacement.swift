import Foundation
import Net

/// Where client connections are served when the client port has a loop of
/// its own (`[http] client_loop`). While the node has at most `limit` client
/// connections, they are served on the node's loop, where a request costs no
/// hop between threads (two wake-ups, ≈ 0.1 ms a request on a VM: one client's
/// latency). Beyond that every connection is served on the client loop, so the
/// node's loop, then the busy thread, keeps its time for sessions, Raft and
/// apply (three nodes, 64 clients: 10 % more inserts a second than with 8 of
/// 64 on the node's loop). Every connection starts on the client loop, so TLS
/// handshakes (and connections that never finish a request) never cost the
/// node's loop anything; connections move between two requests, when idle.
final class ClientConnectionPlacement: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var onNodeLoop = 0
    /// As the client loop last counted its connections.
    private var onClientLoop = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Moves `listener`'s idle connections to `local` (a server on the node's
    /// loop that does not listen itself) while there is room and the node is
    /// not crowded, and moves them back once it is.
    func connect(listener: HTTPServer, to local: HTTPServer) {
        local.onConnectionClosed = { [self] in release() }
        listener.onConnectionClosed = { [self] in clientLoopCount(listener.connectionCount) }
        listener.relocate = { [self] in
            clientLoopCount(listener.connectionCount)
            return claim() ? local : nil
        }
        local.relocate = { [self] in isCrowded ? listener : nil }
    }

    /// Connections on the node's loop right now (or on their way there).
    var nodeLoopConnections: Int { lock.withLock { onNodeLoop } }

    /// More client connections than places: the node's loop serves none.
    var isCrowded: Bool { lock.withLock { onNodeLoop + onClientLoop > limit } }

    /// The client loop's connections (on the client loop's thread, as they change).
    func clientLoopCount(_ n: Int) {
        lock.withLock { onClientLoop = n }
    }

    /// A place on the node's loop for a connection counted on the client loop.
    func claim() -> Bool {
        lock.withLock {
            guard onNodeLoop < limit, onNodeLoop + onClientLoop <= limit else { return false }
            onNodeLoop += 1
            onClientLoop -= 1
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
