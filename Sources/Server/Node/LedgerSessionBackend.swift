import Ion
import Ledger
import PartiQL
import QLDBWire

/// What the session API needs from the node: its ledgers, and a way to get a
/// prepared transaction committed (replicated, applied, durable).
/// Called on the node's event-loop thread only.
public protocol LedgerDirectory: AnyObject {
    func availability(of ledgerName: String) -> LedgerAvailability
    func ledger(named ledgerName: String) -> Ledger?
    /// Replicates `proposal` and completes once this node has applied it and
    /// made it durable — the only point at which a commit may be acknowledged.
    func commit(ledgerName: String, proposal: BlockProposal, completion: @escaping (Result<Void, CommitFailure>) -> Void)
    /// Read index: completes once this node is confirmed as the leader with
    /// everything committed applied, so a read-only commit is never stale.
    func confirmLeadership(completion: @escaping (Result<Void, CommitFailure>) -> Void)
    /// Completes once this node leads with every entry of earlier terms
    /// applied: only then may a transaction be checked (OCC) and proposed.
    func awaitSettledLeadership(completion: @escaping (Result<Void, CommitFailure>) -> Void)
}

extension LedgerDirectory {
    /// A directory with no replication (one process, tests) is always settled.
    public func awaitSettledLeadership(completion: @escaping (Result<Void, CommitFailure>) -> Void) {
        completion(.success(()))
    }
}

/// How statements may spend the node: a slice of the loop first, then a
/// worker thread within the statement budget.
public struct StatementSettings: Sendable, Equatable {
    /// How long a statement may run on the event loop before it is moved to
    /// a statement thread (and run again there, against a snapshot).
    public var loopSliceMilliseconds = 10
    /// Threads for statements that outgrow their slice.
    public var threads = 2
    public var limits = StatementBudget.Limits()

    public init() {}
}

/// The session API's backend: PartiQL statements over `LedgerTransaction`s.
public final class LedgerSessionBackend: SessionBackend {
    private let directory: LedgerDirectory
    private let engine = PartiQLEngine()
    private let runner: StatementRunner
    private let settings: StatementSettings
    /// Told of every statement's read and write IOs (for metrics).
    private let recordIOs: (_ ledger: String, _ reads: Int64, _ writes: Int64) -> Void

    public init(directory: LedgerDirectory, runner: StatementRunner = InlineStatementRunner(),
                settings: StatementSettings = StatementSettings(),
                recordIOs: @escaping (_ ledger: String, _ reads: Int64, _ writes: Int64) -> Void = { _, _, _ in }) {
        self.directory = directory
        self.runner = runner
        self.settings = settings
        self.recordIOs = recordIOs
    }

    public func ledgerAvailability(_ ledgerName: String) -> LedgerAvailability {
        directory.availability(of: ledgerName)
    }

    public func beginTransaction(ledger ledgerName: String) throws -> BackendTransaction {
        guard let ledger = directory.ledger(named: ledgerName) else {
            throw ServiceError.badRequest("Ledger \(ledgerName) does not exist or is not active")
        }
        return LedgerBackendTransaction(ledgerName: ledgerName, transaction: ledger.begin(), engine: engine,
                                        directory: directory, runner: runner, settings: settings, recordIOs: recordIOs)
    }
}
