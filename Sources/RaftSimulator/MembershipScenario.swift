import Raft
import Replica
import SimulationSupport

/// Membership changes during a simulated run (`SimulationOptions.membershipChanges`):
/// spare nodes join as learners and are promoted, voters (the leader too) are
/// removed, all under the run's crashes, drops and partitions. Removed nodes
/// keep running, so a removed node that does not know it was removed gets to
/// try to disrupt the cluster.
///
/// It also checks the configuration invariants:
/// - every committed change is well formed and moves one server (single-server changes);
/// - every node's view of the configuration at a committed index is the committed one;
/// - a newly elected leader is a voter of its own configuration;
/// - a leader outside its configuration steps down once that configuration commits.
final class MembershipScenario {
    /// Positions of spare nodes not started yet, in the order they join.
    private var spares: [Int]
    private let rate: Double
    private let maxVoters: Int
    private let minVoters: Int
    /// The committed configurations, in index order (index 0: bootstrap).
    private(set) var committed: [(index: LogIndex, conf: ConfState)]
    private(set) var proposed = 0
    private(set) var committedChanges = 0
    /// The last term in which each node was seen leading.
    private var leaderTerms: [NodeID: Term] = [:]

    init(voters: [NodeID], spares: [Int], rate: Double, maxVoters: Int) {
        self.spares = spares
        self.rate = rate
        self.maxVoters = maxVoters
        self.minVoters = min(3, voters.count)
        committed = [(0, ConfState(voters: voters))]
    }

    /// Whether `node` never joined: it is not part of convergence checks.
    func isDormant(_ node: SimNode) -> Bool {
        spares.contains(node.position)
    }

    var committedConf: ConfState { committed.last!.conf }

    func committedConf(at index: LogIndex) -> ConfState {
        committed.last { $0.index <= index }!.conf
    }

    /// Maybe proposes one change through `leader`'s driver; returns a trace
    /// line. `join` starts a spare node (it must be up to learn it joined).
    func act(nodes: [SimNode], leader: SimNode?, world: SimWorld, join: (SimNode) -> Void,
             trace: @escaping (String) -> Void) -> String? {
        guard world.chance(rate), let leader, let driver = leader.driver, driver.raftRole == .leader else { return nil }
        let conf = driver.membership
        var change: ConfChange?
        if let learner = conf.learners.first, world.chance(0.7) {
            change = ConfChange(.promote, node: learner)
        } else if conf.voters.count + conf.learners.count < maxVoters, let position = spares.first, world.chance(0.6) {
            let spare = nodes[position]
            if !spare.isUp { join(spare) }
            change = ConfChange(.addLearner, node: spare.id)
        } else if conf.voters.count > minVoters || (!conf.learners.isEmpty && world.chance(0.3)) {
            let members = conf.voters.count > minVoters ? conf.voters + conf.learners : conf.learners
            change = ConfChange(.remove, node: members[world.int(below: members.count)])
        }
        guard let change else { return nil }
        var refused: Error?
        var synchronous = true
        driver.proposeMembershipChange(change) { result in
            guard case .failure(let error) = result else { return }
            if synchronous { refused = error } else { trace("n\(leader.id): \(change.kind) n\(change.node) lost: \(error)") }
        }
        synchronous = false
        if let refused { return "n\(leader.id) refused \(change.kind) n\(change.node): \(refused)" }
        proposed += 1
        if change.kind == .addLearner { spares.removeAll { nodes[$0].id == change.node } }
        return "n\(leader.id) proposed \(change.kind) n\(change.node)"
    }

    /// An entry became known committed (in index order); returns a violation, if any.
    func committed(_ e: Entry) -> String? {
        guard e.kind == .confChange else { return nil }
        guard let record = ConfChangeRecord(encoded: e.data) else {
            return "config: committed change at \(e.index) is malformed"
        }
        guard case .success(let expected) = committedConf.applying(record.change), expected == record.conf else {
            return "config: committed change at \(e.index) (\(record.change.kind) n\(record.change.node)) "
                + "does not follow from \(committedConf) to \(record.conf)"
        }
        committed.append((e.index, record.conf))
        committedChanges += 1
        return nil
    }

    /// A node's persisted commit index reached `index`: its view of the
    /// configuration there must be the committed one.
    func check(_ node: SimNode, _ driver: RaftDriver, committedIndex index: LogIndex) -> String? {
        let mine = driver.membership(at: index)
        let truth = committedConf(at: index)
        // A node that joined with an empty log does not know the bootstrap configuration.
        if mine != truth && !mine.isEmpty {
            return "config: node \(node.id) has \(mine) at committed index \(index), committed was \(truth)"
        }
        return nil
    }

    /// After every event, for every running node; returns a violation, if any.
    func observe(_ id: NodeID, _ driver: RaftDriver) -> String? {
        guard driver.raftRole == .leader else { return nil }
        let conf = driver.membership
        let isVoter = conf.voters.contains(id)
        let term = driver.raftTerm
        if leaderTerms[id] != term {
            leaderTerms[id] = term
            if !isVoter {
                return "config: node \(id) became leader of term \(term) without being a voter of \(conf)"
            }
        }
        if !isVoter && driver.membershipSettled {
            return "config: removed node \(id) is still leader of term \(term) after its removal committed"
        }
        return nil
    }

    /// After healing: members of the committed configuration must converge;
    /// a leader outside it must have stepped down.
    func mustConverge(_ node: SimNode) -> Bool {
        committedConf.contains(node.id)
    }
}
