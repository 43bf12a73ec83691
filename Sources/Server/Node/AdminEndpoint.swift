import Foundation
import Net

/// The metrics port: `/metrics`, `/health`, `/status`, plus the operator's
/// `POST /admin/transfer-leadership?to=nodeN` (planned failover) and
/// `POST /admin/backup?to=DIR[&incremental=1]` (hot backup, `Node+Backup.swift`),
/// the membership changes `POST /admin/cluster/add?name=node4&address=HOST:PORT`,
/// `…/remove?name=node3`, `…/replace?old=node3&name=node4&address=HOST:PORT` and
/// `GET /admin/cluster/members` (`Node+Membership.swift`),
/// `POST /admin/failpoints?set=SPEC` (tests only, `Node+Failpoints.swift`),
/// which are answered only for loopback clients that send
/// `Authorization: Bearer <token>` with the node's admin token (`AdminToken`); 401 otherwise.
final class AdminEndpoint: HTTPHandler {
    private weak var node: Node?
    private let metrics: MetricsEndpoint
    private let token: String

    init(node: Node?, metrics: MetricsEndpoint, token: String) {
        self.node = node
        self.metrics = metrics
        self.token = token
    }

    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        guard ["/admin/transfer-leadership", "/admin/backup", "/admin/failpoints"].contains(request.path)
                || request.path.hasPrefix("/admin/cluster/") else {
            metrics.handle(request, respond: respond)
            return
        }
        guard request.method == "POST" || (request.method == "GET" && request.path == "/admin/cluster/members") else {
            respond(.text("use POST\n", status: 405))
            return
        }
        guard AdminEndpoint.isLoopback(request.remoteAddress) else {
            respond(.text("admin operations are only accepted from loopback\n", status: 403))
            return
        }
        guard AdminToken.matches(request.headers["Authorization"], token: token) else {
            var response = HTTPResponse.text("admin operations need Authorization: Bearer <the node's admin token>\n", status: 401)
            response.headers.set("WWW-Authenticate", "Bearer")
            respond(response)
            return
        }
        guard let node else {
            respond(.text("node is shutting down\n", status: 503))
            return
        }
        if request.path.hasPrefix("/admin/cluster/") {
            return AdminEndpoint.membership(request, node: node, respond: respond)
        }
        if request.path == "/admin/failpoints" {
            return respond(node.setFailpoints(AdminEndpoint.queryValue("set", in: request.query)))
        }
        let target = AdminEndpoint.queryValue("to", in: request.query)
        if request.path == "/admin/backup" {
            guard let target else { return respond(.text("name the backup directory: /admin/backup?to=DIR\n", status: 400)) }
            let incremental = ["1", "true"].contains(AdminEndpoint.queryValue("incremental", in: request.query) ?? "")
            return node.backup(to: target, incremental: incremental, respond: respond)
        }
        respond(node.transferLeadership(to: target))
    }

    private static func membership(_ request: HTTPRequest, node: Node, respond: @escaping (HTTPResponse) -> Void) {
        let q = { (name: String) in AdminEndpoint.queryValue(name, in: request.query) }
        switch (request.path, q("name"), q("address"), q("old")) {
        case ("/admin/cluster/members", _, _, _):
            respond(node.membersResponse())
        case ("/admin/cluster/add", let name?, let address?, _):
            node.addMember(name: name, address: address, respond: respond)
        case ("/admin/cluster/remove", let name?, _, _):
            node.removeMember(name: name, respond: respond)
        case ("/admin/cluster/replace", let name?, let address?, let old?):
            node.replaceMember(old: old, name: name, address: address, respond: respond)
        default:
            respond(.text("""
                use /admin/cluster/add?name=N&address=HOST:PORT, /admin/cluster/remove?name=N,
                /admin/cluster/replace?old=N&name=N&address=HOST:PORT or GET /admin/cluster/members

                """, status: 400))
        }
    }

    static func isLoopback(_ address: String?) -> Bool {
        guard let address else { return false }
        return address.hasPrefix("127.") || address.hasPrefix("::1") || address.hasPrefix("[::1]")
            || address.hasPrefix("::ffff:127.")
    }

    static func queryValue(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return String(parts[1]).removingPercentEncoding }
        }
        return nil
    }
}
