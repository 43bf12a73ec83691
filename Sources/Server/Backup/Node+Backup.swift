import Foundation
import Replica
import Ledger
import Net

/// Hot backup of a running node (`POST /admin/backup?to=DIR[&incremental=1]`
/// on the metrics port): on the loop, every journal is synced and, per
/// ledger, the block count and digest recorded — one consistent cut at the
/// applied log index; then the records up to those counts are copied off the
/// loop (`BackupCopy`), and the manifest is written last. Writes keep flowing
/// meanwhile. See Docs/operations.md "Back up and restore".
extension Node {
    func backup(to directory: String, incremental: Bool, respond: @escaping (HTTPResponse) -> Void) {
        let fail = { (status: Int, why: String) in
            NodeLog.storage.warning("backup refused", metadata: ["to": "\(directory)", "reason": "\(why)"])
            respond(.text(why + "\n", status: status))
        }
        guard directory.hasPrefix("/") else { return fail(400, "the backup directory must be an absolute path") }
        let target = URL(fileURLWithPath: directory).standardizedFileURL.path
        let data = URL(fileURLWithPath: config.dataDirectory).standardizedFileURL.path
        guard target != data, !target.hasPrefix(data + "/"), !data.hasPrefix(target + "/") else {
            return fail(400, "the backup directory must be outside the node's data directory \(data)")
        }
        guard !backupRunning else { return fail(409, "a backup is already running on this node") }
        let previous: BackupManifest?
        do {
            previous = try BackupManifest.load(directory: target)
        } catch {
            return fail(409, "\(target) holds an unreadable backup manifest: \(error)")
        }
        if incremental && previous == nil {
            return fail(409, "\(target) holds no backup to add to; take a full backup first (without incremental)")
        }
        if !incremental, previous != nil || !((try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []).isEmpty {
            return fail(409, "\(target) is not empty; a full backup needs an empty or new directory (or use incremental)")
        }
        guard !driver.isCatchingUp else {
            return fail(409, "this node is catching up from the leader; retry when it is done (or back up another node)")
        }
        let diverged = stateMachine.divergence
        guard diverged.isEmpty else {
            return fail(409, "ledger(s) \(diverged.keys.sorted().joined(separator: ", ")) diverged on this node; back up another node")
        }
        // The cut: every journal synced up to what it holds, at the applied index.
        do {
            try stateMachine.sync()
        } catch {
            return fail(503, "journal sync failed: \(error)")
        }
        var jobs: [BackupCopy.Job] = []
        var states: [BackupManifest.LedgerState] = []
        for info in stateMachine.registry.ledgerInfos where info.state != .deleting {
            guard let entry = stateMachine.registry.entry(named: info.name), let ledger = entry.ledger,
                  let store = entry.store else { continue }
            let blocks = ledger.blockCount
            guard store.syncedCount >= blocks else {
                return fail(503, "ledger \(info.name): journal synced to \(store.syncedCount) of \(blocks) blocks")
            }
            let digest = blocks > 0 ? (try? ledger.digest()).map { LedgerStatusReport.hex($0.digest) } : nil
            jobs.append(.init(info: info, source: store, blocks: blocks, digest: digest))
            states.append(.init(info: info, blocks: blocks, digest: digest))
        }
        let manifest = BackupManifest(
            node: config.nodeID, appliedIndex: stateMachine.appliedIndex, takenAt: BackupManifest.now(),
            ledgers: states, exports: stateMachine.registry.exports.keys.sorted().map { stateMachine.registry.exports[$0]! },
            streams: stateMachine.registry.streams.keys.sorted().map { stateMachine.registry.streams[$0]! },
            runs: previous?.runs ?? [])
        let copy = BackupCopy(directory: target, jobs: jobs, manifest: manifest, incremental: incremental)
        backupRunning = true
        NodeLog.storage.info("backup started", metadata: [
            "to": "\(target)", "incremental": "\(incremental)", "applied_index": "\(manifest.appliedIndex)",
            "ledgers": "\(jobs.count)"])
        loop.offload(work: { () -> Result<BackupCopy.Outcome, Error> in
            Result { try copy.run() }
        }, then: { [weak self] result in
            self?.backupRunning = false
            switch result {
            case .failure(let error):
                NodeLog.storage.error("backup failed", metadata: ["to": "\(target)", "error": "\(error)"])
                respond(.text("backup failed: \(error)\n", status: 500))
            case .success(let outcome):
                NodeLog.storage.info("backup finished", metadata: [
                    "to": "\(target)", "incremental": "\(incremental)", "applied_index": "\(outcome.manifest.appliedIndex)",
                    "blocks_copied": "\(outcome.copied.values.reduce(0, +))",
                    "seconds": "\(String(format: "%.3f", outcome.seconds))"])
                respond(Node.backupResponse(outcome, directory: target, incremental: incremental))
            }
        })
    }

    static func backupResponse(_ outcome: BackupCopy.Outcome, directory: String, incremental: Bool) -> HTTPResponse {
        let ledgers: [[String: Any]] = outcome.manifest.ledgers.map { l in
            ["name": l.info.name, "blocks": l.blocks, "digest": l.digest ?? NSNull(),
             "copiedBlocks": outcome.copied[l.info.name] ?? 0]
        }
        let body: [String: Any] = [
            "directory": directory, "incremental": incremental, "node": outcome.manifest.node,
            "appliedIndex": outcome.manifest.appliedIndex, "takenAt": outcome.manifest.takenAt,
            "seconds": outcome.seconds, "ledgers": ledgers,
        ]
        let bytes = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        var response = HTTPResponse(status: 200, body: Array(bytes))
        response.headers.set("Content-Type", "application/json")
        return response
    }
}
