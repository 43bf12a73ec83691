import Foundation
import Replica
import QLDBWire
import Net

/// `GET /console/api/cluster` on the client port: a read-only JSON view of
/// every node for the console's cluster page. It is signed and checked like
/// any control-plane call (no new way in), answered by the node that
/// receives it without going to the leader, which asks each peer over the
/// peer link with the same signed request (each peer checks the signature
/// itself and answers only its own view).
///
/// A node's view: its `/status` report, the leader's per-peer lag, and the
/// `/metrics` samples the console plots (command latency sum and count,
/// OCC conflicts, journal storage), read from this node's registry.
enum ConsoleClusterView {
    static let apiPrefix = "/console/api/"
    static let path = "/console/api/cluster"

    /// Metric families the cluster page plots.
    static let plotted = ["tally_command_latency_seconds_sum", "tally_command_latency_seconds_count",
                          "tally_occ_conflict_exceptions_total", "tally_journal_storage_bytes"]

    /// This node's own view (loop thread).
    static func localView(node: Node) -> JSONValue {
        let report = node.nodeStatus()
        let status = node.driver.status
        let ledgers: [JSONValue] = report.ledgers.map { l in
            .object([
                ("name", .string(l.name)),
                ("tipAddress", l.tipAddress.map { .object([("strandId", .string($0.strandId)),
                                                          ("sequenceNo", .number(String($0.sequenceNo)))]) } ?? .null),
                ("digest", l.digest.map(JSONValue.string) ?? .null),
                ("divergent", .bool(l.divergent)),
            ])
        }
        let lag: [(String, JSONValue)] = status.peerLag.sorted { $0.key < $1.key }.map { ("node\($0.key)", .number(String($0.value))) }
        return .object([
            ("node", .string(node.config.nodeID)),
            ("nodeId", .number(String(report.nodeId))),
            ("role", .string(report.role)),
            ("term", .number(String(report.term))),
            ("leader", report.leaderId.map { .string("node\($0)") } ?? .null),
            ("commitIndex", .number(String(report.commitIndex))),
            ("appliedIndex", .number(String(report.appliedIndex))),
            ("peerLag", .object(lag)),
            ("ledgers", .array(ledgers)),
            ("divergence", .bool(report.divergence)),
            ("storageError", report.storageError.map(JSONValue.string) ?? .null),
            ("version", .string(report.version)),
            ("metrics", .array(samples(node.metrics.expositionText()))),
        ])
    }

    /// The plotted samples of a Prometheus text exposition:
    /// `[{name, labels: {…}, value}]`.
    static func samples(_ exposition: String) -> [JSONValue] {
        var out: [JSONValue] = []
        for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
            guard let sample = PrometheusSample(line: String(line)), plotted.contains(sample.name) else { continue }
            out.append(.object([
                ("name", .string(sample.name)),
                ("labels", .object(sample.labels.map { ($0.0, .string($0.1)) })),
                ("value", sample.value.isFinite ? .number(String(sample.value)) : .null),
            ]))
        }
        return out
    }

    static func json(_ value: JSONValue, status: Int = 200) -> HTTPResponse {
        var r = HTTPResponse(status: status, body: value.bytes)
        r.headers.set("Content-Type", "application/json")
        r.headers.set("Cache-Control", "no-store")
        return ConsoleStaticRoute.secured(r)
    }
}
