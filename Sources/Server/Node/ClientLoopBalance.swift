import Foundation
import Net

/// Spreads client connections over the client loops (`[http] client_loops`).
/// The first client loop listens: it accepts every connection and runs its TLS
/// handshake. A connection there that has answered a request and is idle moves
/// to the other client loop with the fewest connections, when that loop has at
/// least two fewer than the first, so the loops end up with about the same
/// number each. Moved connections stay where they are until they close.
///
/// Two client loops on a two-core machine: the node's loop, the client loops
/// and the clients' own threads then always have work for both cores. With one
/// client loop (three nodes, 64 clients selecting) the cores were idle 11 % of
/// the time while requests queued behind whichever thread was running.
final class ClientLoopBalance: @unchecked Sendable {
    private let lock = NSLock()
    /// Connections on each of the other client loops (index 0 is the second loop).
    private var counts: [Int]

    init(otherLoops: Int) {
        precondition(otherLoops >= 1, "a balance needs a loop to move connections to")
        counts = Array(repeating: 0, count: otherLoops)
    }

    /// Where the first loop's idle connection goes (an index into the other
    /// loops, counted there from now on), or nil to keep it. `listenerCount`:
    /// the first loop's connections, this one included.
    func place(listenerCount: Int) -> Int? {
        lock.withLock {
            var least = 0
            for i in counts.indices where counts[i] < counts[least] { least = i }
            guard counts[least] < listenerCount - 1 else { return nil }
            counts[least] += 1
            return least
        }
    }

    /// A connection on other loop `index` closed (or could not be opened there).
    func left(_ index: Int) {
        lock.withLock {
            precondition(counts[index] > 0, "a client connection left loop \(index + 2) twice")
            counts[index] -= 1
        }
    }

    /// Moves `listener`'s idle connections to `others` (servers on the other
    /// client loops that do not listen themselves), after any move `listener`
    /// already makes (`ClientConnectionPlacement`'s, to the node's loop).
    func connect(listener: HTTPServer, to others: [HTTPServer]) {
        precondition(others.count == counts.count, "one server for each other client loop")
        for (i, server) in others.enumerated() {
            server.onConnectionClosed = { [self] in left(i) }
        }
        let earlier = listener.relocate
        listener.relocate = { [self, unowned listener] in
            if let target = earlier?() { return target }
            return place(listenerCount: listener.connectionCount).map { others[$0] }
        }
    }

    /// Connections on the other client loops now (or on their way there).
    var otherLoopConnections: Int { lock.withLock { counts.reduce(0, +) } }
}
