import Foundation
import Logging
import Raft

/// What the driver tells the operator (`logger=tally.raft`): elections and
/// leader changes with their terms, compaction, catch-up, slow fsyncs and
/// storage failures. Nothing here is per request; all on the loop thread.
extension RaftDriver {
    /// "node2" for 2 (this node's and the peers' configured names).
    func memberName(_ id: UInt64) -> String {
        if id == selfID { return configuration.nodeName }
        return configuration.memberNames[id] ?? "node\(id)"
    }

    /// A new soft state from the core: role and leader transitions. `previousLeader`
    /// is the leader as last logged (none after it was lost), `lastKnownLeader`
    /// the last node that was leader.
    func logSoftState(_ ss: SoftState, previousRole: Role?, previousLeader: UInt64, lastKnownLeader: UInt64) {
        let term = "\(ss.term)"
        let last = name(orNone: lastKnownLeader)
        if ss.role != previousRole {
            switch ss.role {
            case .preCandidate:
                ReplicaLog.raft.info("pre-vote started", metadata: ["term": "\(term)", "last_leader": "\(last)"])
            case .candidate:
                ReplicaLog.raft.info("election started", metadata: ["term": "\(term)", "last_leader": "\(last)"])
            case .leader:
                ReplicaLog.raft.notice("elected leader", metadata: ["term": "\(term)", "previous_leader": "\(last)"])
            case .follower where previousRole == .leader:
                ReplicaLog.raft.notice("stepped down", metadata: ["term": "\(term)", "leader": "\(name(orNone: ss.leader))"])
            case .follower:
                break
            }
        }
        if ss.leader != previousLeader && ss.role != .leader {
            if ss.leader == noNode {
                ReplicaLog.raft.warning("leader lost", metadata: ["term": "\(term)", "previous_leader": "\(last)"])
            } else {
                ReplicaLog.raft.notice("leader changed", metadata: [
                    "term": "\(term)", "leader": "\(memberName(ss.leader))", "previous_leader": "\(last)"])
            }
        }
    }

    private func name(orNone id: UInt64) -> String { id == noNode ? "none" : memberName(id) }

    /// Every fsync on the commit path (`what`: raft_log or journal).
    func noteFsync(_ what: String, _ elapsed: Duration) {
        onFsync?(elapsed)
        guard elapsed >= options.slowFsyncThreshold else { return }
        ReplicaLog.raft.warning("slow fsync", metadata: [
            "what": "\(what)", "ms": "\(String(format: "%.1f", elapsed.clusterSeconds * 1000))",
            "threshold_ms": "\(String(format: "%.0f", options.slowFsyncThreshold.clusterSeconds * 1000))"])
    }

    func logStorageFailure(_ why: String) {
        ReplicaLog.storage.critical("storage failed; this node stops taking part in the cluster", metadata: [
            "error": "\(why)"])
    }

    func logCompaction(snapshotIndex: UInt64, firstIndex: UInt64, lastIndex: UInt64) {
        ReplicaLog.raft.info("log compacted", metadata: [
            "snapshot_index": "\(snapshotIndex)", "first_index": "\(firstIndex)", "last_index": "\(lastIndex)"])
    }

    func logCatchUpStarted(leader: UInt64, index: UInt64, term: UInt64) {
        ReplicaLog.raft.notice("catch-up started", metadata: [
            "leader": "\(memberName(leader))", "snapshot_index": "\(index)", "snapshot_term": "\(term)"])
    }

    func logCatchUpProgress(_ c: CatchUpProgress) {
        guard options.catchUpLogEveryChunks > 0, c.chunks % options.catchUpLogEveryChunks == 0 else { return }
        ReplicaLog.raft.info("catch-up progress", metadata: [
            "leader": "\(memberName(c.leader))", "chunks": "\(c.chunks)", "bytes": "\(c.bytes)",
            "snapshot_index": "\(c.snapshot.metadata.index)"])
    }

    func logCatchUpFinished(_ c: CatchUpProgress) {
        ReplicaLog.raft.notice("catch-up finished", metadata: [
            "leader": "\(memberName(c.leader))", "chunks": "\(c.chunks)", "bytes": "\(c.bytes)",
            "snapshot_index": "\(c.snapshot.metadata.index)"])
    }

    func logCatchUpFailed(_ why: String) {
        ReplicaLog.raft.warning("catch-up failed", metadata: ["reason": "\(why)"])
    }

    /// Leader: a follower is behind the compacted log and is sent the snapshot manifest (it then streams the journal).
    func logSnapshotSent(to peer: UInt64, index: UInt64) {
        ReplicaLog.raft.info("peer behind the compacted log; catch-up by journal streaming", metadata: [
            "peer": "\(memberName(peer))", "snapshot_index": "\(index)"])
    }
}
