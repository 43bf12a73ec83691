import Foundation
import Net
import Raft
import Replica

/// Membership changes as the operator asks for them (`/admin/cluster/…`,
/// `tally cluster add|remove|replace`), done one server at a time through the
/// Raft log on the leader: add = learner, wait until it caught up, promote;
/// remove; replace = add the new node, then remove the old one.
extension Node {
    /// How long `add` waits for a learner to catch up before giving up (it
    /// stays a learner; asking again promotes it once it has caught up).
    static let learnerCatchUpTimeout: Double = 300

    /// The peers to reach at start: the configured ones, plus members added
    /// through the log since (`MemberFile`), the configuration winning.
    static func knownPeers(_ config: NodeConfig) throws -> [ClusterPeer] {
        let configured = try config.peers.map { try ClusterPeer(name: $0.id, host: $0.address.host, port: $0.address.port) }
        let added = MemberFile(raftDirectory: config.dataDirectory + "/raft").load()
            .filter { a in a.name != config.nodeID && !configured.contains { $0.name == a.name } }
            .compactMap { try? $0.peer() }
        return configured + added
    }

    /// Every node: an added member's address is recorded and dialled as soon
    /// as its change is appended here.
    func wireMembership() {
        let file = MemberFile(raftDirectory: config.dataDirectory + "/raft")
        driver.onMembershipChange = { [weak self] record in
            guard let self, record.change.kind == .addLearner,
                  let address = MemberAddress(context: record.change.context) else { return }
            do {
                try file.add(address)
                self.driver.transport.addPeer(try address.peer())
            } catch {
                NodeLog.raft.error("cannot record an added member", metadata: [
                    "member": "\(address.name)", "error": "\(error)"])
            }
        }
    }

    /// `GET /admin/cluster/members`: voters and learners as this node sees them.
    func membersResponse() -> HTTPResponse {
        let conf = driver.membership
        let names = { (ids: [UInt64]) in ids.map { self.memberName($0) } }
        let body = "voters: \(names(conf.voters).joined(separator: " "))\n"
            + "learners: \(names(conf.learners).joined(separator: " "))\n"
            + "settled: \(driver.membershipSettled)\n"
        return .text(body)
    }

    /// Adds `name` (reached at `address`, "host:port") as a learner, then promotes it.
    func addMember(name: String, address: String, respond: @escaping (HTTPResponse) -> Void) {
        guard leaderMembershipCheck(respond) != nil else { return }
        guard let nodeID = ClusterNodeID.numeric(name), let a = NetworkAddress.parse(address) else {
            return respond(.text("name must end in a number (node4) and address be host:port\n", status: 400))
        }
        let member = MemberAddress(name: name, host: a.host, port: a.port)
        let conf = driver.membership
        if conf.voters.contains(nodeID) { return respond(.text("\(name) is already a voter\n")) }
        if conf.learners.contains(nodeID) { return promoteWhenCaughtUp(nodeID, name: name, since: loop.monotonicNow, respond) }
        driver.proposeMembershipChange(ConfChange(.addLearner, node: nodeID, context: member.context)) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success: self.promoteWhenCaughtUp(nodeID, name: name, since: self.loop.monotonicNow, respond)
            case .failure(let e): respond(Node.membershipFailure(e, doing: "add \(name) as a learner"))
            }
        }
    }

    /// Removes `name` (a voter or a learner). A leader removing itself hands over and steps down.
    func removeMember(name: String, respond: @escaping (HTTPResponse) -> Void) {
        guard leaderMembershipCheck(respond) != nil else { return }
        guard let nodeID = ClusterNodeID.numeric(name), driver.membership.contains(nodeID) else {
            return respond(.text("\(name) is not a member\n", status: 400))
        }
        driver.proposeMembershipChange(ConfChange(.remove, node: nodeID)) { result in
            switch result {
            case .success: respond(.text("\(name) removed; stop its process\n"))
            case .failure(let e): respond(Node.membershipFailure(e, doing: "remove \(name)"))
            }
        }
    }

    /// Adds `name` at `address` (learner, catch-up, promotion), then removes `old`.
    func replaceMember(old: String, name: String, address: String, respond: @escaping (HTTPResponse) -> Void) {
        guard let oldID = ClusterNodeID.numeric(old), driver.membership.contains(oldID) else {
            return respond(.text("\(old) is not a member\n", status: 400))
        }
        addMember(name: name, address: address) { [weak self] added in
            guard let self, added.status == 200 else { return respond(added) }
            self.removeMember(name: old) { removed in
                guard removed.status == 200 else { return respond(removed) }
                respond(.text(added.bodyText + removed.bodyText))
            }
        }
    }

    // MARK: Internals

    private func promoteWhenCaughtUp(_ nodeID: UInt64, name: String, since: Double,
                                     _ respond: @escaping (HTTPResponse) -> Void) {
        driver.proposeMembershipChange(ConfChange(.promote, node: nodeID)) { [weak self] result in
            guard let self else { return }
            switch result {
            case .success:
                respond(.text("\(name) added as a learner, caught up, promoted to voter\n"))
            case .failure(let e as MembershipChangeRefused) where e.description.contains("has not caught up")
                && self.loop.monotonicNow - since < Node.learnerCatchUpTimeout:
                _ = self.loop.scheduleTimer(after: .milliseconds(200)) { [weak self] in
                    self?.promoteWhenCaughtUp(nodeID, name: name, since: since, respond)
                }
            case .failure(let e):
                respond(Node.membershipFailure(e, doing: "promote \(name) (it stays a learner; ask again to promote)"))
            }
        }
    }

    /// This node's id if it is the leader; otherwise answers 409 naming the leader.
    private func leaderMembershipCheck(_ respond: (HTTPResponse) -> Void) -> UInt64? {
        let status = driver.status
        guard status.role == .leader else {
            let leader = status.leaderID.map { memberName($0) } ?? "none"
            respond(.text("this node is not the leader (leader: \(leader)); ask the leader\n", status: 409))
            return nil
        }
        return status.nodeID
    }

    private func memberName(_ id: UInt64) -> String {
        if id == driver.configuration.nodeID { return config.nodeID }
        return driver.transport.peers.first { $0.id == id }?.name ?? "node\(id)"
    }

    private static func membershipFailure(_ error: Error, doing what: String) -> HTTPResponse {
        switch error {
        case let e as MembershipChangeRefused: return .text("cannot \(what): \(e)\n", status: 409)
        case ReplicationError.notLeader(let l):
            return .text("cannot \(what): not the leader (leader: \(l.map { "node\($0)" } ?? "none"))\n", status: 409)
        default: return .text("cannot \(what): \(error)\n", status: 503)
        }
    }
}
