import Foundation
import Net
import XCTest
@testable import Replica
@testable import Server

/// Runs the real Prometheus server (Debian package `prometheus`) against a
/// `MetricsServer` on loopback and reads the scraped values back through
/// Prometheus' HTTP API. (The three-node cluster version lives with the cluster tests.)
final class MetricsPrometheusServerTests: XCTestCase {
    func testRealPrometheusScrapesTheMetricsServer() throws {
        let prometheus = "/usr/bin/prometheus"
        guard FileManager.default.isExecutableFile(atPath: prometheus) else {
            XCTFail("\(prometheus) is missing: run scripts/setup-deps (Debian package prometheus)")
            return
        }

        // The node side: a MetricsServer on an ephemeral loopback port.
        let loop = try EventLoop(name: "metrics-prom-test")
        loop.start()
        defer { loop.shutdown() }
        let node = FakeMetricsNode(ledgerCount: 3)
        let metrics = TallyMetrics(nodeID: 1, version: "0.1.0-test")
        metrics.source = node
        metrics.ledger("ledger-001").recordSessionException(httpStatus: 400, occConflict: true)
        metrics.ledger("ledger-001").recordCommand(.commitTransaction, duration: .milliseconds(4))
        let server = try MetricsServer.start(loop: loop, host: "127.0.0.1", port: 0, metrics: metrics, status: node)
        defer { server.stop() }
        let target = "127.0.0.1:\(server.port)"

        // Prometheus with a temp config scraping it every second.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tally-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: tally
                static_configs:
                  - targets: ['\(target)']
            """
        let configURL = dir.appendingPathComponent("prometheus.yml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let webPort = LoopbackTestPort.next()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: prometheus)
        p.arguments = [
            "--config.file=\(configURL.path)",
            "--storage.tsdb.path=\(dir.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(webPort)",
        ]
        let log = dir.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let logHandle = try FileHandle(forWritingTo: log)
        p.standardOutput = logHandle
        p.standardError = logHandle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        defer {
            // Always stop Prometheus: TERM, then KILL if it lingers.
            if p.isRunning {
                p.terminate()
                let deadline = Date().addingTimeInterval(5)
                while p.isRunning && Date() < deadline { usleep(50_000) }
                if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            }
            p.waitUntilExit()
            try? logHandle.close()
        }

        func query(_ promQL: String) -> [[String: Any]]? {
            let q = promQL.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promQL
            guard let r = try? metricsHTTPGet(port: webPort, path: "/api/v1/query?query=\(q)"), r.status == 200,
                  let json = try? JSONSerialization.jsonObject(with: Data(r.body.utf8)) as? [String: Any],
                  json["status"] as? String == "success",
                  let data = json["data"] as? [String: Any] else { return nil }
            return data["result"] as? [[String: Any]]
        }
        func scalarValue(_ result: [[String: Any]]?) -> String? {
            (result?.first?["value"] as? [Any])?.last as? String
        }

        // Bounded wait (≤ 30 s) for the first successful scrape.
        let started = Date()
        var up: String?
        var term: String?
        while Date().timeIntervalSince(started) < 30 {
            up = scalarValue(query("up{job=\"tally\"}"))
            term = scalarValue(query("tally_raft_term"))
            if up == "1" && term != nil { break }
            usleep(250_000)
        }
        let waited = Date().timeIntervalSince(started)
        print("prometheus: up=\(up ?? "nil") after \(String(format: "%.1f", waited)) s")
        if up != "1" || term == nil {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            XCTFail("Prometheus did not scrape \(target) within 30 s; log:\n\(text.suffix(3000))")
            return
        }
        XCTAssertEqual(up, "1")
        XCTAssertEqual(term, "7")
        XCTAssertEqual(scalarValue(query("tally_journal_storage_bytes{ledger=\"ledger-002\"}")), "3000")
        XCTAssertEqual(scalarValue(query("tally_occ_conflict_exceptions_total{ledger=\"ledger-001\"}")), "1")
        XCTAssertEqual(scalarValue(query(
            "tally_command_latency_seconds_count{ledger=\"ledger-001\",command=\"CommitTransaction\"}")), "1")
    }
}
