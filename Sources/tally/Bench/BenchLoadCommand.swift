import ArgumentParser
import Foundation
import Net
import Server

/// `tally bench load`: end-to-end load over the real session protocol
/// (HTTPS, SigV4, QLDB `SendCommand`), or — for comparison — over etcd's v3
/// JSON gateway with the same client code.
struct BenchLoad: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Session-protocol load generator: committed transactions/s and latency percentiles (see scripts/bench-cluster).")

    @Option(help: "Server endpoint, https://host:port (AWS_ENDPOINT_URL_QLDB_SESSION by default).")
    var endpoint: String?

    @Option(help: "CA bundle to trust (AWS_CA_BUNDLE by default).")
    var ca: String?

    @Option(help: "Credentials file ([default] aws_access_key_id / aws_secret_access_key); default: AWS_* variables.")
    var credentials: String?

    @Option(help: "SigV4 region.")
    var region: String = ProcessInfo.processInfo.environment["AWS_DEFAULT_REGION"] ?? "us-east-1"

    @Option(help: "Ledger (created if missing).")
    var ledger: String = "bench"

    @Option(help: "Table (created with an index on id if missing).")
    var table: String = "BenchDocs"

    @Option(help: "Concurrent clients; each is one keep-alive connection and one session.")
    var clients: Int = 1

    @Option(help: "Event loops the clients are spread over (1 or 2).")
    var loops: Int = 1

    @Option(help: "Microseconds each client loop keeps polling after work before it sleeps (as a node's [http] loop_spin_us; 0 sleeps at once).")
    var loopSpinUs: Int = NodeConfig.HTTP.defaultLoopSpinMicroseconds

    @Option(help: "Measured seconds per run.")
    var duration: Double = 10

    @Option(help: "Seconds of load before each measurement (not counted).")
    var warmup: Double = 2

    @Option(help: "Runs; the median and spread (min–max) of each figure are reported.")
    var runs: Int = 3

    @Option(help: "insert (one INSERT per transaction) or select (indexed point read per transaction).")
    var workload: String = "insert"

    @Option(help: "Documents the select workload reads from (ids 0..<keys, loaded once).")
    var keys: Int = 1000

    @Option(help: "Upper bound on transactions per client per run.")
    var maxTransactions: Int = 10_000_000

    @Option(help: "qldb (Tally, session protocol) or etcd (etcd v3 JSON gateway: put / linearizable range).")
    var target: String = "qldb"

    @Option(help: "Also write the results as JSON to this file.")
    var json: String?

    @Option(name: .customLong("server-pid"),
            help: "A server process (repeatable) whose CPU time to count: each run then reports CPU microseconds per transaction for the servers and for this load generator (Linux /proc).")
    var serverPIDs: [Int32] = []

    func validate() throws {
        guard BenchWorkload(rawValue: workload) != nil else { throw ValidationError("--workload must be insert or select") }
        guard target == "qldb" || target == "etcd" else { throw ValidationError("--target must be qldb or etcd") }
        guard (1...4096).contains(clients) else { throw ValidationError("--clients must be 1…4096") }
        guard (1...2).contains(loops) else { throw ValidationError("--loops must be 1 or 2") }
        guard (0...NodeConfig.HTTP.maxLoopSpinMicroseconds).contains(loopSpinUs) else {
            throw ValidationError("--loop-spin-us must be 0 to \(NodeConfig.HTTP.maxLoopSpinMicroseconds)")
        }
        guard duration > 0, duration <= 3600, warmup >= 0, warmup <= 600 else { throw ValidationError("bad --duration/--warmup") }
        guard (1...50).contains(runs) else { throw ValidationError("--runs must be 1…50") }
        guard keys >= 1 else { throw ValidationError("--keys must be at least 1") }
        guard table.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
            throw ValidationError("--table must be an identifier")
        }
        guard ledger.range(of: "^[A-Za-z0-9-]{1,32}$", options: .regularExpression) != nil else {
            throw ValidationError("--ledger must be 1–32 of [A-Za-z0-9-]")
        }
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        guard let endpointText = endpoint ?? env["AWS_ENDPOINT_URL_QLDB_SESSION"] ?? env["AWS_ENDPOINT_URL_QLDB"] else {
            throw CLIError("no endpoint: pass --endpoint https://host:port")
        }
        let endpoint = try BenchEndpoint(endpointText)
        let mode = BenchWorkload(rawValue: workload)!
        let isQLDB = target == "qldb"
        var tls: TLSContext?
        if endpoint.tls {
            guard let caFile = ca ?? env["AWS_CA_BUNDLE"] else { throw CLIError("https needs --ca FILE (or AWS_CA_BUNDLE)") }
            tls = try TLSContext(.client(trustRoots: .file(caFile)), role: .client)
        }
        let creds = isQLDB ? try BenchCredentials.load(path: credentials) : nil

        let eventLoops = try (0..<loops).map { try EventLoop(name: "bench-\($0)", spinBeforeSleep: .microseconds(loopSpinUs)) }
        eventLoops.forEach { $0.start() }
        defer { eventLoops.forEach { $0.shutdown(timeout: .seconds(10)) } }
        let signers = eventLoops.map { _ in creds.map { RequestSigner(credentials: $0, region: region) } }

        // Setup (untimed).
        let setup = BenchSetupClient(loop: eventLoops[0], endpoint: endpoint, tls: tls, signer: signers[0])
        if isQLDB {
            try setup.ensureLedger(ledger)
            try setup.prepareTable(ledger: ledger, table: table, keys: mode == .select ? keys : 0)
        } else if mode == .select {
            try setup.etcdSeed(keys: keys)
        }
        setup.close()

        let label = isQLDB ? "tally" : "etcd"
        print("\(label) \(workload) against \(endpointText): \(clients) client(s) on \(loops) loop(s), "
            + "\(runs) run(s) of \(fmt(warmup)) s warm-up + \(fmt(duration)) s")
        var results: [RunResult] = []
        for run in 1...runs {
            let r = try runOnce(eventLoops: eventLoops, signers: signers, endpoint: endpoint, tls: tls, mode: mode)
            results.append(r)
            let errs = r.errors.isEmpty ? "" : "  errors: " + r.errors.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            let anomalies = r.anomalies.isEmpty ? "" : "  anomalies: " + r.anomalies.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            print(String(format: "  run %d: %8.0f tx/s  p50 %7.3f ms  p90 %7.3f ms  p99 %7.3f ms  max %7.2f ms  (%d committed)",
                         run, r.tps, r.p50ms, r.p90ms, r.p99ms, r.maxms, r.committed) + errs + anomalies)
            if let client = r.clientCPUMicrosPerTx {
                let servers = r.serverCPUMicrosPerTx.map { String(format: "servers %.0f µs, ", $0) } ?? ""
                print("         CPU per transaction: " + servers + String(format: "load generator %.0f µs", client))
            }
            if !r.requestMeanMs.isEmpty {
                print("         request to response, mean: " + r.requestMeanMs.sorted { $0.key < $1.key }
                    .map { String(format: "%@ %.3f ms", $0.key, $0.value) }.joined(separator: ", "))
            }
        }
        let summary = LoadSummary(target: label, workload: workload, clients: clients, loops: loops, runs: results)
        summary.printTable()
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try encoder.encode(summary).write(to: URL(fileURLWithPath: json))
        }
        if results.allSatisfy({ $0.committed == 0 }) { throw ExitCode.failure }
    }

    private func fmt(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(x) }

    private func runOnce(eventLoops: [EventLoop], signers: [RequestSigner?], endpoint: BenchEndpoint,
                         tls: TLSContext?, mode: BenchWorkload) throws -> RunResult {
        let start = benchNow()
        let windowStart = start + UInt64(warmup * 1e9)
        let windowEnd = windowStart + UInt64(duration * 1e9)
        let stats = eventLoops.map { _ in LoopStats(windowStart: windowStart, windowEnd: windowEnd) }
        let cpu = CPUWindow(servers: serverPIDs, windowStart: windowStart, windowEnd: windowEnd)
        let done = DispatchSemaphore(value: 0)
        var all: [BenchClientBase] = []
        for i in 0..<clients {
            let l = i % eventLoops.count
            let ctx = BenchRunContext(
                loop: eventLoops[l], endpoint: endpoint, tls: tls,
                signer: signers[l] ?? RequestSigner(credentials: ClientCredentials(accessKeyID: "", secretAccessKey: "", sessionToken: nil, source: "none"), region: region),
                stats: stats[l], workload: mode, ledger: ledger, table: table, keys: keys,
                end: windowEnd, maxTransactions: maxTransactions, clientIndex: i)
            let client: BenchClientBase = target == "qldb"
                ? QLDBLoadClient(ctx, onFinish: { done.signal() })
                : EtcdLoadClient(ctx, onFinish: { done.signal() })
            all.append(client)
            eventLoops[l].execute { client.start() }
        }
        // Every client stops starting transactions at windowEnd; allow the
        // in-flight ones (response timeout 20 s) and EndSession to finish.
        let deadline = DispatchTime.now() + warmup + duration + 35
        var finished = 0
        while finished < clients, done.wait(timeout: deadline) == .success { finished += 1 }
        if finished < clients {
            print("  warning: \(clients - finished) client(s) did not finish in time; closing them")
            for (i, c) in all.enumerated() { eventLoops[i % eventLoops.count].execute { c.finish() } }
            while finished < clients, done.wait(timeout: .now() + 5) == .success { finished += 1 }
        }
        // Read the stats on the loops' threads' side of a barrier.
        for l in eventLoops { try l.submit { () } }
        var result = RunResult(stats, seconds: duration)
        (result.serverCPUMicrosPerTx, result.clientCPUMicrosPerTx) = cpu.perTransaction(committed: result.committed)
        return result
    }
}
