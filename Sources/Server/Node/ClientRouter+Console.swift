import Foundation
import Replica
import QLDBWire
import Net

/// The console on the client port: static files (no authentication, served
/// locally) and the signed cluster view, which fans out to the peers.
extension ClientRouter {
    /// Handles the request when it is the console's; false otherwise.
    func serveConsole(_ request: HTTPRequest, node: Node, forwarded: Bool,
                      respond: @escaping (HTTPResponse) -> Void) -> Bool {
        let path = request.path
        if ConsoleStaticRoute.matches(path) {
            respond(ConsoleStaticRoute.response(method: request.method, path: path))
            return true
        }
        guard path.hasPrefix(ConsoleClusterView.apiPrefix) else { return false }
        guard path == ConsoleClusterView.path else {
            respond(ClientRouter.error(ServiceError(code: "UnknownOperationException", message: "No console API at \(path)", status: 404), sessionAPI: false))
            return true
        }
        guard request.method == "GET" else {
            respond(ClientRouter.error(.badRequest("The cluster view is read with GET"), sessionAPI: false))
            return true
        }
        do {
            _ = try authenticator.authenticate(ClientRouter.signed(request), checkedHead: ClientRouter.checkedHead(request))
        } catch {
            respond(ClientRouter.error(error as? ServiceError ?? .internalFailure("\(error)"), sessionAPI: false))
            return true
        }
        let local = ConsoleClusterView.localView(node: node)
        if forwarded {
            respond(ConsoleClusterView.json(local))
            return true
        }
        gatherPeers(request, node: node) { peers in
            respond(ConsoleClusterView.json(.object([
                ("servedBy", .string(node.config.nodeID)),
                ("time", .number(String(Int64(Date().timeIntervalSince1970 * 1000)))),
                ("nodes", .array([local] + peers)),
            ])))
        }
        return true
    }

    /// Each peer's own view (its answer to the same signed request), or
    /// `{node, error}` when it cannot be reached; the current members (voters
    /// and learners, including those added since start), in configuration order.
    private func gatherPeers(_ request: HTTPRequest, node: Node, done: @escaping ([JSONValue]) -> Void) {
        let members = node.driver.membership
        let peers = node.driver.transport.peers.filter { members.contains($0.id) }
        var results = [JSONValue?](repeating: nil, count: peers.count)
        var pending = peers.count
        guard pending > 0 else { return done([]) }
        let payload = ForwardedHTTP.encode(request)
        for (i, peer) in peers.enumerated() {
            let finish: (JSONValue) -> Void = { value in
                node.loop.execute {
                    results[i] = value
                    pending -= 1
                    if pending == 0 { done(results.map { $0 ?? .null }) }
                }
            }
            node.driver.transport.request(to: peer.id, channel: .forward, payload: payload, timeout: .seconds(2)) { result in
                switch result {
                case .success(let bytes):
                    if let response = ForwardedHTTP.decodeResponse(bytes), response.status == 200,
                       let view = try? JSONValue.parse(response.bodyBytes) {
                        finish(view)
                    } else {
                        finish(.object([("node", .string(peer.name)), ("error", .string("unexpected answer"))]))
                    }
                case .failure(let e):
                    finish(.object([("node", .string(peer.name)), ("error", .string("\(e)"))]))
                }
            }
        }
    }
}
