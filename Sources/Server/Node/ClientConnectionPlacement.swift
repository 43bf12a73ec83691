import Foundation
import Net

/// Where client connections are served when the client port has a loop of
/// its own (`[http] client_loop`): up to `limit` connections at a time on the
/// node's loop, where a request costs no hop between threads (two wake-ups,
/// ≈ 0.1 ms a request on a VM: one client's latency), the others on the client
/// loop. A node that replicates to peers gives its places up while it has more
/// client connections than places: its loop also carries the peer links and
/// the replication, and is then the busy thread (three nodes, 64 clients: 10 %
/// more inserts a second with none of them on it than with 8). A node alone
/// keeps its places (one node, 64 clients inserting: 10 % fewer without them).
/// Every connection starts on the client loop, so TLS handshakes (and
/// connections that never finish a request) never cost the node's loop
/// anything; connections move between two requests, when idle.
final class ClientConnectionPlacement: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var onNodeLoop = 0
    /// As the client loop last counted its connections.
    private var onClientLoop = 0
    /// The node replicates to peers (`hasPeers(_:)`): it gives its places up when crowded.
    private var yieldsWhenCrowded: Bool

    init(limit: Int, hasPeers: Bool) {
        self.limit = limit
        yieldsWhenCrowded = hasPeers
    }

    /// Moves `listener`'s idle connections to `local` (a server on the node's
    /// loop that does not listen itself) while there is room and the node is
    /// not crowded, and moves them back once it is.
    /// `onOtherClientLoops`: the connections the other client loops serve
    /// (`ClientLoopBalance`), which count as the client loop's.
    func connect(listener: HTTPServer, to local: HTTPServer, onOtherClientLoops: @escaping () -> Int = { 0 }) {
        local.onConnectionClosed = { [self] in release() }
        listener.onConnectionClosed = { [self] in clientLoopCount(listener.connectionCount + onOtherClientLoops()) }
        listener.relocate = { [self] in
            clientLoopCount(listener.connectionCount + onOtherClientLoops())
            return claim() ? local : nil
        }
        local.relocate = { [self] in isCrowded ? listener : nil }
    }

    /// Connections on the node's loop right now (or on their way there).
    var nodeLoopConnections: Int { lock.withLock { onNodeLoop } }

    /// A node with peers that has more client connections than places: its loop serves none.
    var isCrowded: Bool { lock.withLock { crowdedLocked } }

    private var crowdedLocked: Bool { yieldsWhenCrowded && onNodeLoop + onClientLoop > limit }

    /// Whether the node replicates to peers now (its membership changes at run time).
    func hasPeers(_ peers: Bool) {
        lock.withLock { yieldsWhenCrowded = peers }
    }

    /// The client loop's connections (on the client loop's thread, as they change).
    func clientLoopCount(_ n: Int) {
        lock.withLock { onClientLoop = n }
    }

    /// A place on the node's loop for a connection counted on the client loop.
    func claim() -> Bool {
        lock.withLock {
            guard onNodeLoop < limit, !crowdedLocked else { return false }
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
