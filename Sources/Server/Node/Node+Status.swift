import Foundation
import Replica
import Ion
import Net
import Ledger

extension Node: MetricsSource, NodeStatusSource {
    public func snapshot() -> NodeMetricsSnapshot {
        let divergence = stateMachine.divergence
        let ledgers = stateMachine.registry.ledgerInfos.map { info in
            LedgerMetricsSnapshot(name: info.name,
                                  journalBytes: UInt64(stateMachine.journalBytes(ledger: info.name) ?? 0),
                                  indexedBytes: UInt64(stateMachine.ledger(named: info.name)?.indexedStorageBytes ?? 0),
                                  blocks: UInt64(stateMachine.ledger(named: info.name)?.blockCount ?? 0),
                                  divergence: divergence[info.name] != nil || scrubMismatches(info.name) > 0,
                                  activeSessions: sessions?.liveSessionCount(ledger: info.name),
                                  scrubVerifiedBlocks: UInt64(scrubbing?.progress(of: info.name)?.verifiedBlocks ?? 0),
                                  scrubMismatches: UInt64(scrubMismatches(info.name)))
        }
        return NodeMetricsSnapshot(replication: driver.status, ledgers: ledgers,
                                   nodeLoopClientConnections: clientPlacement?.nodeLoopConnections ?? 0,
                                   otherClientLoopConnections: clientBalance?.otherLoopConnections ?? 0)
    }

    public func nodeStatus() -> NodeStatusReport {
        let divergence = stateMachine.divergence
        let ledgers: [LedgerStatusReport] = stateMachine.registry.ledgerInfos.map { info in
            let digest = try? stateMachine.digest(ledger: info.name)
            return LedgerStatusReport(
                name: info.name,
                tipAddress: digest.map { .init(strandId: $0.tip.strandId, sequenceNo: UInt64($0.tip.sequenceNo)) },
                digest: digest?.digest,
                divergent: divergence[info.name] != nil || scrubMismatches(info.name) > 0,
                scrub: scrubbing?.progress(of: info.name).map(LedgerStatusReport.Scrub.init))
        }
        return NodeStatusReport(replication: driver.status, ledgers: ledgers, version: Node.version,
                                storageError: storageError)
    }

    func scrubMismatches(_ ledger: String) -> Int { scrubbing?.progress(of: ledger)?.mismatchesTotal ?? 0 }

    /// Loop thread, once a second: a scrub step for each open, active ledger.
    func scrubTick() {
        guard let scrubbing else { return }
        let ledgers = stateMachine.registry.ledgerInfos.compactMap { info -> (name: String, ledger: Ledger)? in
            guard stateMachine.state(of: info.name) == .active, let l = stateMachine.ledger(named: info.name) else { return nil }
            return (info.name, l)
        }
        scrubbing.tick(ledgers: ledgers)
    }

    /// Planned failover: hands leadership to `target` ("node2"), or to the
    /// most caught-up other voter when nil.
    func transferLeadership(to target: String?) -> HTTPResponse {
        let status = driver.status
        guard status.role == .leader else {
            let leader = status.leaderID.map { "node\($0)" } ?? "none"
            return .text("this node is not the leader (leader: \(leader)); ask the leader\n", status: 409)
        }
        // Voters only, including members added through the log since start.
        let voters = driver.membership.voters
        let peers = driver.transport.peers.filter { voters.contains($0.id) }.map { ($0.name, $0.id) }
        let chosen: (String, UInt64)?
        if let target {
            chosen = peers.first { $0.0 == target }
        } else {
            chosen = peers.min { (status.peerLag[$0.1] ?? .max) < (status.peerLag[$1.1] ?? .max) }
        }
        guard let (name, id) = chosen else {
            return .text("no such peer: \(target ?? "(none)")\n", status: 400)
        }
        do {
            try driver.transferLeadership(to: id)
            return .text("transferring leadership to \(name)\n")
        } catch {
            return .text("transfer failed: \(error)\n", status: 500)
        }
    }
}

extension LedgerStatusReport.Scrub {
    init(_ p: JournalScrubber.Progress) {
        self.init(passes: p.passes, verifiedBlocks: p.verifiedBlocks, mismatches: p.mismatchesTotal, lastMismatch: p.lastMismatch)
    }
}

extension Node {
    /// A command this follower forwarded to the leader (`tally_forwarded_command_latency_seconds`).
    func recordForwarded(_ command: MetricsCommand, ledger: String?, duration: Duration) {
        if let ledger, stateMachine.state(of: ledger) != nil {
            metrics.ledger(ledger).recordForwardedCommand(command, duration: duration)
        } else {
            metrics.recordUnscopedForwardedCommand(command, duration: duration)
        }
    }
}

extension Node {
    /// Tells the client-connection placement whether this node replicates to peers now (loop thread).
    func notePeersForPlacement() {
        guard let clientPlacement, let driver else { return }
        let membership = driver.membership
        clientPlacement.hasPeers(membership.voters.count + membership.learners.count > 1)
    }
}
