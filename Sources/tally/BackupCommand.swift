import ArgumentParser
import Foundation
import Server

/// `tally backup --config node.toml --to DIR [--incremental]`: a hot backup of
/// the running node the configuration describes, through its admin endpoint.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take a hot, consistent backup of a running node (journals + ledger metadata).",
        discussion: """
        The node syncs its journals, records each ledger's block count and digest at one log index, \
        and copies the journal records up to those counts into DIR while it keeps serving. \
        --incremental copies only the blocks added since the backup already in DIR. \
        Restore with `tally restore`.
        """)

    @Option(help: "The node's TOML configuration (its metrics address and admin token file).")
    var config: String

    @Option(help: "The backup directory (created; must be empty unless --incremental).")
    var to: String

    @Flag(help: "Add only what is new since the backup already in the directory.")
    var incremental = false

    @Option(help: "Seconds to wait for the node to finish copying.")
    var timeout: Int = 3600

    func run() throws {
        let node = try NodeConfig.load(path: config)
        let directory = URL(fileURLWithPath: to).standardizedFileURL.path
        guard let token = try AdminToken.read(path: node.adminTokenFile) else {
            throw CLIError("no admin token at \(node.adminTokenFile) (the node creates it when it starts)")
        }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+")
        var path = "/admin/backup?to=\(directory.addingPercentEncoding(withAllowedCharacters: allowed) ?? directory)"
        if incremental { path += "&incremental=1" }
        let address = node.listen.metrics
        guard let response = try BlockingHTTP().send(host: address.host, port: address.port, method: "POST", path: path,
                                                     headers: ["Authorization": "Bearer \(token)"],
                                                     timeout: .seconds(timeout)) else {
            throw CLIError("\(node.nodeID) did not answer on \(address) within \(timeout) s")
        }
        guard response.status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(response.bodyBytes)) as? [String: Any] else {
            throw CLIError("backup refused (HTTP \(response.status)): \(response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let ledgers = json["ledgers"] as? [[String: Any]] ?? []
        print("\(incremental ? "incremental" : "full") backup of \(node.nodeID) at log index \(json["appliedIndex"] ?? "?") in \(directory)")
        let rows = ledgers.map { l in
            [l["name"] as? String ?? "?", "\(l["blocks"] ?? "?")", "\(l["copiedBlocks"] ?? "?")", l["digest"] as? String ?? "-"]
        }
        printColumns(["LEDGER", "BLOCKS", "COPIED", "DIGEST"], rows)
    }
}

/// `tally restore --from DIR --config node1.toml [--config node2.toml …]`:
/// new data directories (one per configuration) from a backup, every hash verified.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Write fresh node data directories from a backup, verifying every block and each ledger's digest.",
        discussion: """
        Each --config names a node of the new cluster (one for a single node); its data_dir must not hold \
        node state yet. Every block is re-verified (all hashes recomputed) and the state rebuilt; each ledger \
        must end at the digest the backup recorded. Then start the nodes (`tally node --config …` or \
        `tally cluster up`): they form a new cluster with a fresh Raft log that already holds the ledgers.
        """)

    @Option(help: "The backup directory (written by `tally backup`).")
    var from: String

    @Option(help: "A node configuration of the new cluster (repeat for each node).")
    var config: [String] = []

    func run() throws {
        guard !config.isEmpty else { throw ValidationError("name at least one --config") }
        let configs = try config.map { ($0, try NodeConfig.load(path: $0)) }
        guard let manifest = try BackupManifest.load(directory: from) else {
            throw CLIError("\(from) holds no backup (no \(BackupManifest.fileName))")
        }
        print("backup of \(manifest.node) at log index \(manifest.appliedIndex), taken \(manifest.takenAt) (\(manifest.runs.count) run(s))")
        var rows: [[String]] = []
        for (path, node) in configs {
            let results = try BackupRestore.restore(from: from, into: node.dataDirectory, stateOnDisk: node.storage.stateOnDisk)
            for r in results {
                rows.append([node.nodeID, r.name, "\(r.blocks)", r.digest ?? "-", String(format: "%.2f s", r.seconds)])
            }
            print("\(node.nodeID): restored into \(node.dataDirectory) (\(path))")
        }
        printColumns(["NODE", "LEDGER", "BLOCKS", "DIGEST (verified)", "TIME"], rows)
        print("Every block re-verified; every digest equals the backup's. Start the node(s): tally node --config \(config[0]) (or tally cluster up).")
    }
}

func printColumns(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
    for line in [header] + rows {
        let text = zip(line, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        print(text.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
    }
}
