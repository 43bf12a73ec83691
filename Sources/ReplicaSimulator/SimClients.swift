import Ion
import Ledger
import Replica
import SimulationSupport

/// Clients of the simulated cluster: they find the leader (omnisciently) and
/// run transactions through its real session path, the way `Server` does:
/// wait for settled leadership, run the statements on the leader's ledger,
/// prepare, propose the `NodeCommand`, and count the commit acknowledged only
/// when the proposal completes applied. Each write carries a unique op number.
final class SimClients {
    static let ledgerName = "sim"
    static let table = "t"

    enum Phase { case createLedger, activate, createTable, running }
    struct Ack {
        var sequenceNo: Int
        var documentId: String
    }

    let world: SimWorld
    private(set) var phase = Phase.createLedger
    private(set) var ledgerId = ""
    private var nextOp = 1
    private(set) var inFlight = 0
    var maxInFlight = 2
    /// Ops whose commit the client saw succeed.
    private(set) var acknowledged: [Int: Ack] = [:]
    /// Ops refused at apply (an OCC conflict found by every node alike).
    private(set) var rejected: Set<Int> = []
    /// Ops whose outcome the client never learned (leader lost, crash).
    private(set) var unknown: Set<Int> = []
    private(set) var documents: [String] = []
    private(set) var notLeader = 0

    /// Where acknowledgements are traced (the simulation's trace).
    var trace: ((String) -> Void)?

    init(world: SimWorld) { self.world = world }

    func issue(on nodes: [SimReplica]) {
        guard inFlight < (phase == .running ? maxInFlight : 1) else { return }
        guard let leader = nodes.first(where: { $0.status?.role == .leader }), let driver = leader.driver else { return }
        let generation = leader.incarnation
        inFlight += 1
        driver.awaitSettledLeadership { [self, weak leader] result in
            guard case .success = result, let leader, leader.isUp, leader.incarnation == generation else {
                inFlight -= 1
                notLeader += 1
                return
            }
            switch phase {
            case .createLedger, .activate: control(on: leader)
            case .createTable, .running: transaction(on: leader)
            }
        }
    }

    private func control(on leader: SimReplica) {
        let command: NodeCommand
        if phase == .createLedger {
            if ledgerId.isEmpty { ledgerId = "simledger\(world.rng.next() % 1_000_000)" }
            command = .createLedger(.init(name: Self.ledgerName, ledgerId: ledgerId, strandId: ledgerId + "strand",
                                          permissionsMode: "STANDARD", deletionProtection: false, kmsKey: nil, tags: [],
                                          creationTimeMs: 1_700_000_000_000))
        } else {
            command = .activateLedger(name: Self.ledgerName, ledgerId: ledgerId)
        }
        leader.driver!.propose(command.encoded()) { [self] result in
            inFlight -= 1
            switch result {
            case .success(.applied): phase = phase == .createLedger ? .activate : .createTable
            case .success(.rejected(let why)):
                // A create retried after a lost answer finds the ledger it made.
                if phase == .createLedger, case .alreadyExists = why { phase = .activate }
            case .failure: break
            }
        }
    }

    private func transaction(on leader: SimReplica) {
        guard let machine = leader.machine, let ledger = leader.ledger, machine.state(of: Self.ledgerName) == .active else {
            inFlight -= 1
            return
        }
        let op = nextOp
        nextOp += 1
        let tx = ledger.begin()
        let proposal: BlockProposal?
        var documentId = ""
        do {
            if phase == .createTable {
                _ = try tx.createTable(name: Self.table, tags: [])
            } else if !documents.isEmpty && world.chance(0.4) {
                documentId = documents[world.int(below: documents.count)]
                try tx.update(table: Self.table, id: documentId, document: .struct([("op", .int(op))]))
            } else {
                documentId = try tx.insert(table: Self.table, document: .struct([("op", .int(op))]))
            }
            proposal = try tx.commit()
        } catch {
            // The table exists already (a create whose answer was lost), or an OCC conflict at prepare.
            if phase == .createTable { phase = .running }
            inFlight -= 1
            return
        }
        guard let proposal else { inFlight -= 1; return }
        let command = machine.transactionCommand(ledger: Self.ledgerName, proposal: proposal)
        leader.driver!.propose(command.encoded()) { [self] result in
            inFlight -= 1
            switch result {
            case .success(.applied(let reply)):
                if phase == .createTable { phase = .running; return }
                guard let r = try? TransactionReply.decode(reply) else {
                    preconditionFailure("an applied transaction's reply does not decode")
                }
                acknowledged[op] = Ack(sequenceNo: r.sequenceNo, documentId: documentId)
                trace?("op \(op) acknowledged by node \(leader.id): block \(r.sequenceNo), commit index \(leader.status?.commitIndex ?? 0)")
                if !documents.contains(documentId) { documents.append(documentId) }
            case .success(.rejected):
                if phase == .running { rejected.insert(op) }
            case .failure:
                if phase == .running { unknown.insert(op) }
            }
        }
    }

    var issued: Int { nextOp - 1 }
}
