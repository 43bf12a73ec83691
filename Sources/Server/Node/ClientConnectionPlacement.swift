import Foundation
import Net

/// Where a new client connection is served when the client port has a loop
/// of its own (`[http] client_loop`): the first `limit` connections open at a
/// time go to the node's loop, where a request costs no hop between threads
/// (two wake-ups, ≈ 0.1 ms a request on a VM); every other connection stays on
/// the client loop, so that many clients still use both cores.
/// The decision is made once, at accept, before anything is read.
final class ClientConnectionPlacement: @unchecked Sendable {
    let limit: Int
    private let lock = NSLock()
    private var onNodeLoop = 0

    init(limit: Int) {
        self.limit = limit
    }

    /// Moves `listener`'s accepted connections, while there is room, to `local`
    /// (a server on the node's loop that does not listen itself).
    func connect(listener: HTTPServer, to local: HTTPServer) {
        local.onConnectionClosed = { [self] in release() }
        let nodeLoop = local.loop
        listener.handOff = { [self] conn in
            guard claim() else { return false }
            guard let descriptor = try? conn.detachDescriptor() else {
                release()
                return false
            }
            nodeLoop.execute { local.adopt(descriptor: descriptor) }
            return true
        }
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
