import Logging
import Raft

/// A membership change the leader refused (another one is in progress, the
/// learner has not caught up, the node is not a member, …).
public struct MembershipChangeRefused: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Membership changes through the Raft log (single-server changes; see
/// `Raft.ConfChange`): proposing them, completing them once applied, telling
/// the node about changes as they are appended, and logging them.
extension RaftDriver {
    /// The configuration in effect on this node (the latest one in its log).
    public var membership: ConfState { node.confState }

    /// Whether the latest change in this node's log is committed.
    public var membershipSettled: Bool { node.confChangeCommitted }

    /// Leader only: how far `peer`'s log is behind the leader's last index, or
    /// nil when this node is not leader or `peer` is not a member.
    public func replicationLag(of peer: UInt64) -> UInt64? {
        let st = node.status
        guard st.softState.role == .leader, let p = st.progress.first(where: { $0.id == peer }) else { return nil }
        return st.lastIndex - min(p.match, st.lastIndex)
    }

    /// Proposes `change`; `completion` runs on the loop once the change is
    /// committed and applied here, or with the reason it was refused or lost.
    /// Loop thread.
    public func proposeMembershipChange(_ change: ConfChange, completion: @escaping (Result<Void, Error>) -> Void) {
        guard isRunning else { return completion(.failure(stoppedError)) }
        do {
            let index = try node.proposeConfChange(change)
            membershipWaiters[index] = (node.term, { completion($0.mapError { $0 }) })
            ReplicaLog.raft.notice("membership change proposed", metadata: [
                "change": "\(change.kind)", "node": "\(memberName(change.node))", "index": "\(index)"])
        } catch {
            switch error {
            case .notLeader(let l):
                completion(.failure(ReplicationError.notLeader(leaderID: l == noNode ? nil : l)))
            case .leadershipTransferInProgress(let to):
                completion(.failure(ReplicationError.notLeader(leaderID: to)))
            case .confChangeRefused(let why):
                completion(.failure(MembershipChangeRefused(why)))
            case .unknownNode(let n):
                completion(.failure(UnknownClusterMember(nodeID: n)))
            case .emptyReadContext:
                completion(.failure(ReplicationError.leadershipLost))
            }
        }
        pump()
    }

    /// The peer link to `peer` broke. If it is the leader (its process died),
    /// this follower campaigns within a few ticks instead of an election
    /// timeout (`RawNode.leaderLinkLost`). Loop thread.
    public func peerLinkLost(_ peer: UInt64) {
        guard isRunning, node.leader == peer else { return }
        node.leaderLinkLost(peer)
        pump()
    }

    /// Entries about to be persisted: report configuration changes (they are
    /// in effect in the core already) so that the node can reach added peers.
    func noteMembershipEntries(_ entries: [Entry]) {
        for e in entries where e.kind == .confChange {
            guard let record = ConfChangeRecord(encoded: e.data) else { continue }
            ReplicaLog.raft.notice("membership changed", metadata: [
                "change": "\(record.change.kind)", "node": "\(memberName(record.change.node))", "index": "\(e.index)",
                "term": "\(e.term)", "voters": "\(record.conf.voters.map(memberName))",
                "learners": "\(record.conf.learners.map(memberName))"])
            onMembershipChange?(record)
        }
    }

    /// A configuration entry was applied: complete the proposal that made it.
    func membershipChangeApplied(_ e: Entry) {
        guard let w = membershipWaiters.removeValue(forKey: e.index) else { return }
        w.done(w.term == e.term ? .success(()) : .failure(.leadershipLost))
    }

    /// Fails the waiting proposals; with `keepingCommitted`, not the ones
    /// already committed (a removed leader steps down before it applies its
    /// removal: that one still completes when applied).
    func failMembershipWaiters(_ error: ReplicationError, keepingCommitted: Bool = false) {
        let keep = keepingCommitted ? node.commitIndex : 0
        let failed = membershipWaiters.filter { $0.key > keep }
        for index in failed.keys { membershipWaiters[index] = nil }
        for (_, v) in failed.sorted(by: { $0.key < $1.key }) { v.done(.failure(error)) }
    }
}
