import ArgumentParser
import Foundation
import Logging
import Server

/// `tally node --config node.toml`: runs one node in the foreground until
/// SIGINT/SIGTERM.
struct NodeRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a Tally node (a one-member configuration is a complete single-node database).")

    @Option(help: "The node's TOML configuration; every key has a default.")
    var config: String?

    @Option(help: "Write the client environment (endpoint, CA bundle, credentials) here once listening.")
    var envFile: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical. Nothing is logged per request at info.")
    var logLevel: String = "info"

    @Option(help: "Seconds SIGTERM waits for a clean stop before the process exits anyway.")
    var stopTimeout: Double = 10

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        // Before any thread starts, so that every thread inherits the mask and
        // only `waitForTerminationSignal` receives these signals.
        blockNodeSignals()
        let nodeConfig = try config.map { try NodeConfig.load(path: $0) } ?? NodeConfig()
        NodeLog.bootstrap(level: Logger.Level(rawValue: logLevel)!, node: nodeConfig.nodeID)
        NodeLog.node.info("configuration", metadata: nodeConfig.logMetadata)
        let node = try Node(config: nodeConfig)
        try node.start()
        NodeLog.node.info("listening", metadata: [
            "client": "\(nodeConfig.listen.client)", "peer": "\(nodeConfig.listen.peer)",
            "metrics": "\(nodeConfig.listen.metrics)", "version": "\(Node.version)"])
        if let envFile {
            try ClientEnvironment(config: nodeConfig).write(to: envFile)
        }
        waitForTerminationSignal(onHangup: { node.reload() })
        NodeLog.node.notice("stopping", metadata: ["timeout_seconds": "\(stopTimeout)"])
        // A node whose loop is busy must still stop: everything acknowledged is already
        // fsynced (Raft log and journal), so exiting without the clean path loses nothing.
        let deadline = stopTimeout
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: deadline)
            NodeLog.node.error("clean stop did not finish in time; exiting", metadata: ["timeout_seconds": "\(deadline)"])
            _exit(3)
        }
        node.stop()
        NodeLog.node.info("stopped")
    }
}

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread (and the threads it starts later).
@discardableResult
func blockNodeSignals() -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    sigaddset(&set, SIGTERM)
    sigaddset(&set, SIGHUP)
    pthread_sigmask(SIG_BLOCK, &set, nil)
    return set
}

/// Blocks until SIGINT or SIGTERM; each SIGHUP meanwhile runs `onHangup`
/// (the node re-reads its credentials file and TLS certificates).
func waitForTerminationSignal(onHangup: () -> Void = {}) {
    var set = blockNodeSignals()
    while true {
        var signal: Int32 = 0
        sigwait(&set, &signal)
        guard signal == SIGHUP else { return }
        NodeLog.node.notice("SIGHUP: reloading credentials and TLS certificates")
        onHangup()
    }
}

/// The AWS environment variables that point unmodified QLDB clients at a node.
struct ClientEnvironment {
    var endpoint: String
    var caBundle: String?
    var accessKeyID: String?
    var secretAccessKey: String?
    var region = "us-east-1"

    init(config: NodeConfig) {
        let scheme = config.tls == nil ? "http" : "https"
        endpoint = "\(scheme)://\(config.listen.client)"
        caBundle = config.tls?.caFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        if config.auth.mode == .sigv4,
           let text = try? String(contentsOfFile: config.auth.credentialsFile, encoding: .utf8) {
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else { continue }
                if parts[0] == "aws_access_key_id", accessKeyID == nil { accessKeyID = parts[1] }
                if parts[0] == "aws_secret_access_key", secretAccessKey == nil { secretAccessKey = parts[1] }
            }
        } else {
            accessKeyID = "tally"
            secretAccessKey = "tally"
        }
    }

    var text: String {
        var lines = [
            "# Written by tally: `source` this file and unmodified QLDB clients reach the node.",
            "export AWS_ENDPOINT_URL_QLDB=\(endpoint)",
            "export AWS_ENDPOINT_URL_QLDB_SESSION=\(endpoint)",
            "export AWS_DEFAULT_REGION=\(region)",
        ]
        if let caBundle { lines.append("export AWS_CA_BUNDLE=\(caBundle)") }
        if let accessKeyID { lines.append("export AWS_ACCESS_KEY_ID=\(accessKeyID)") }
        if let secretAccessKey { lines.append("export AWS_SECRET_ACCESS_KEY=\(secretAccessKey)") }
        return lines.joined(separator: "\n") + "\n"
    }

    func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}
