import ArgumentParser
import Foundation
import Server

/// `tally cluster up|status|failover|reload|down|add|remove|replace|members`: the local cluster.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run the local cluster described by cluster/node*.toml.",
        subcommands: [Up.self, Status.self, Failover.self, Reload.self, Down.self,
                      Add.self, Remove.self, Replace.self, Members.self])

    struct Options: ParsableArguments {
        @Option(help: "Directory holding node*.toml (runtime state goes in its local/ folder).")
        var dir = "cluster"
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start every node that is not running, wait for a leader, start HAProxy if cluster/haproxy.cfg exists, write cluster/local/env.")

        @OptionGroup var options: Options

        @Option(help: "Seconds to wait for a leader.")
        var timeout: Int = 60

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            for m in cluster.members {
                if let pid = cluster.runningPID(m) {
                    print("\(m.name): already running (pid \(pid))")
                } else {
                    let pid = try cluster.start(m)
                    print("\(m.name): started (pid \(pid)), log \(cluster.logPath(m))")
                }
            }
            let http = try BlockingHTTP()
            let deadline = Date().addingTimeInterval(TimeInterval(timeout))
            var leader: ClusterStatusRow?
            while Date() < deadline {
                let rows = ClusterStatusRow.poll(cluster, http: http)
                let leaders = rows.filter { $0.role == "leader" }
                // A node with join = true that was not added yet has no leader: do not wait for it.
                let joining = Set(cluster.members.filter(\.config.join).map(\.name))
                let running = rows.filter { $0.reachable && !joining.contains($0.name) }
                if leaders.count == 1, running.count == cluster.members.count - joining.count,
                   running.allSatisfy({ $0.leaderId == leaders[0].nodeId }) {
                    leader = leaders[0]
                    break
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
            guard let leader else {
                throw CLIError("no leader within \(timeout) s; see the logs in \(cluster.localDirectory)")
            }
            print("leader: \(leader.name)")
            var environment = ClientEnvironment(config: cluster.members[0].config)
            var endpointNote = "node \(cluster.members[0].name); any node works: followers forward to the leader"
            if let lb = cluster.loadBalancer {
                if let pid = lb.runningPID() {
                    print("haproxy: already running (pid \(pid)) on \(lb.host):\(lb.port)")
                } else {
                    let pid = try lb.start()
                    print("haproxy: started (pid \(pid)) on \(lb.host):\(lb.port), log \(lb.logPath)")
                }
                environment.endpoint = lb.endpoint
                endpointNote = "HAProxy in front of every node, health-checked on /health"
            }
            try environment.write(to: cluster.envPath)
            print("""

            The cluster is up. To connect unmodified QLDB clients (pyqldb, boto3):
              source \(cluster.envPath)
            Endpoint \(environment.endpoint) (\(endpointNote)).
              tally cluster status              # roles, terms, commit index, digests
              tally cluster failover [--to N]   # hand leadership on
              tally cluster add|remove|replace  # membership changes (see Docs/operations.md)
              tally cluster reload              # SIGHUP: re-read credentials and TLS certificates
              tally backup --config \(cluster.members[0].configPath) --to DIR [--incremental]
              tally cluster down                # stop all nodes
            Metrics: \(cluster.members.map { "http://\($0.config.listen.metrics)/metrics" }.joined(separator: " "))
            """)
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each node's role, term, indexes and digest.")

        @OptionGroup var options: Options

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            let rows = ClusterStatusRow.poll(cluster, http: try BlockingHTTP())
            ClusterStatusRow.printTable(rows)
            if let lb = cluster.loadBalancer {
                let state = lb.runningPID().map { "running (pid \($0))" } ?? "down"
                print("load balancer \(lb.host):\(lb.port): \(state)")
            }
        }
    }

    struct Failover: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hand leadership to another node (planned failover).")

        @OptionGroup var options: Options

        @Option(help: "The node to hand leadership to (a number or name); default: the most caught-up follower.")
        var to: String?

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            let http = try BlockingHTTP()
            let rows = ClusterStatusRow.poll(cluster, http: http)
            guard let leader = rows.first(where: { $0.role == "leader" }) else {
                throw CLIError("no leader to hand over from")
            }
            let target = to.map { Int($0) != nil ? "node\($0)" : $0 }
            var path = "/admin/transfer-leadership"
            if let target { path += "?to=\(target)" }
            print(try cluster.adminOnLeader(path, timeout: 5), terminator: "")
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline {
                let now = ClusterStatusRow.poll(cluster, http: http)
                if let l = now.first(where: { $0.role == "leader" }), l.name != leader.name,
                   target == nil || l.name == target {
                    print("leader is now \(l.name)")
                    return
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
            throw CLIError("leadership did not move within 15 s")
        }
    }

    struct Reload: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send SIGHUP to every running node: re-read the credentials file and TLS certificates.")

        @OptionGroup var options: Options

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            for m in cluster.members {
                if let pid = cluster.runningPID(m) {
                    kill(pid, SIGHUP)
                    print("\(m.name): SIGHUP sent (see \(cluster.logPath(m)))")
                } else {
                    print("\(m.name): not running")
                }
            }
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop every running node and the load balancer (SIGTERM, then SIGKILL).")

        @OptionGroup var options: Options

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            var pids: [(String, pid_t)] = []
            for m in cluster.members {
                if let pid = cluster.runningPID(m) {
                    kill(pid, SIGTERM)
                    pids.append((m.name, pid))
                }
                try? FileManager.default.removeItem(atPath: cluster.pidPath(m))
            }
            let deadline = Date().addingTimeInterval(10)
            for (name, pid) in pids {
                while kill(pid, 0) == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
                if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
                print("\(name): stopped")
            }
            if pids.isEmpty { print("no node was running") }
            if let lb = cluster.loadBalancer, lb.stop() { print("haproxy: stopped") }
        }
    }
}

/// One node's line in `tally cluster status`, from its `/status` and `/health`.
struct ClusterStatusRow {
    var name: String
    var reachable: Bool
    var nodeId: UInt64?
    var role = "down"
    var term: UInt64 = 0
    var leaderId: UInt64?
    var commitIndex: UInt64 = 0
    var appliedIndex: UInt64 = 0
    var lastBlock = "-"
    var digest = "-"
    var health = "unreachable"

    static func poll(_ cluster: LocalCluster, http: BlockingHTTP) -> [ClusterStatusRow] {
        cluster.members.map { m in
            let address = m.config.listen.metrics
            var row = ClusterStatusRow(name: m.name, reachable: false)
            guard let response = http.send(host: address.host, port: address.port, path: "/status", timeout: .seconds(2)),
                  response.status == 200,
                  let json = try? JSONSerialization.jsonObject(with: Data(response.bodyBytes)) as? [String: Any] else {
                return row
            }
            row.reachable = true
            row.nodeId = (json["nodeId"] as? NSNumber)?.uint64Value
            row.role = json["role"] as? String ?? "?"
            row.term = (json["term"] as? NSNumber)?.uint64Value ?? 0
            row.leaderId = (json["leaderId"] as? NSNumber)?.uint64Value
            row.commitIndex = (json["commitIndex"] as? NSNumber)?.uint64Value ?? 0
            row.appliedIndex = (json["appliedIndex"] as? NSNumber)?.uint64Value ?? 0
            if let ledgers = json["ledgers"] as? [[String: Any]] {
                row.lastBlock = ledgers.map { l in
                    let seq = ((l["tipAddress"] as? [String: Any])?["sequenceNo"] as? NSNumber).map { "\($0)" } ?? "-"
                    return "\(l["name"] as? String ?? "?"):\(seq)"
                }.joined(separator: " ")
                row.digest = ledgers.map { ($0["digest"] as? String).map { String($0.prefix(12)) } ?? "-" }
                    .joined(separator: " ")
                if row.lastBlock.isEmpty { row.lastBlock = "-" }
                if row.digest.isEmpty { row.digest = "-" }
            }
            if let health = http.send(host: address.host, port: address.port, path: "/health", timeout: .seconds(2)) {
                row.health = health.status == 200 ? "ok" : health.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return row
        }
    }

    static func printTable(_ rows: [ClusterStatusRow]) {
        let header = ["NODE", "ROLE", "TERM", "COMMIT", "APPLIED", "LAST BLOCK", "DIGEST", "HEALTH"]
        let lines = rows.map { r in
            [r.name, r.role, r.reachable ? "\(r.term)" : "-", r.reachable ? "\(r.commitIndex)" : "-",
             r.reachable ? "\(r.appliedIndex)" : "-", r.lastBlock, r.digest, r.health]
        }
        let widths = header.indices.map { i in ([header[i]] + lines.map { $0[i] }).map(\.count).max() ?? 0 }
        for line in [header] + lines {
            print(zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
    }
}
