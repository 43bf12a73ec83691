import Ion
import QLDBWire

/// What the session layer needs from the ledger + PartiQL engine.
///
/// Threading contract (guaranteed by `SessionManager`):
/// * `ledgerAvailability` and `beginTransaction` may be called concurrently
///   from different sessions, on any thread.
/// * Calls on one `BackendTransaction` never overlap: each returns (or, for
///   `commit`, completes) before the next call on it is made.
/// * After `commit` or `abort` has been called, the manager makes no further
///   call on that transaction, whatever the outcome.
///
/// Errors: throw (or complete with) a `ServiceError` to send that exact code
/// to the client, e.g. `.badRequest("Semantic Error: …")` for a bad statement,
/// `.occConflict(…)` when validation fails at commit, `.capacityExceeded()`
/// (503) when overloaded. Any other `Error` becomes a 500 `InternalFailure`.
public protocol SessionBackend: AnyObject {
    /// Whether `StartSession` may open a session on this ledger.
    func ledgerAvailability(_ ledgerName: String) -> LedgerAvailability

    /// Opens a transaction (snapshot) on an ACTIVE ledger. Its `id` is the
    /// 22-character Base62 id that goes in the journal block.
    func beginTransaction(ledger: String) throws -> BackendTransaction
}

public enum LedgerAvailability: Equatable, Sendable {
    case active
    case notFound
    /// Exists but cannot take sessions, e.g. CREATING or DELETING.
    case unavailable(state: String)
}

public protocol BackendTransaction: AnyObject {
    /// 22 characters of `[A-Za-z0-9]`; unique per ledger.
    var id: String { get }

    /// Runs one PartiQL statement inside the transaction. `parameters` are the
    /// decoded `?` values in order. Effects become visible (to later statements
    /// of this transaction only) immediately and durable only at commit.
    /// A failed statement must leave the transaction unchanged and usable.
    /// `deadline` (uptime nanoseconds, `StatementBudget.now`'s clock) is when the
    /// transaction times out: the statement must end by then. `completion` is
    /// called exactly once, on the thread that called (the node's loop), possibly later.
    /// `digest` is `QLDBHash.statementHash(statement, parameters:)` (the manager's, for the
    /// commit digest), for a backend that records it.
    func execute(statement: String, parameters: [IonValue], digest: [UInt8], deadline: UInt64,
                 completion: @escaping (Result<StatementResult, ServiceError>) -> Void)

    /// Validates (OCC) and commits. The manager has already checked the
    /// client's commit digest (PROTOCOL.md §1.7); the journal does not keep it.
    /// Asynchronous because the real commit waits for Raft; `completion` must
    /// be called exactly once, from any thread. On failure the transaction is
    /// gone (the manager does not call `abort` afterwards).
    func commit(completion: @escaping (Result<CommitOutcome, ServiceError>) -> Void)

    /// Discards the transaction. Must not fail; may be called while the
    /// transaction has expired.
    func abort()
}

/// The result of one statement.
public struct StatementResult: Sendable {
    /// Result rows in order. Values already in Ion binary may be handed over
    /// as `.binary` (one complete stream with exactly one value) to skip
    /// re-encoding.
    public var values: [ResultValue]
    /// IOs the statement consumed. pyqldb only reports statistics when they
    /// are non-zero, so count at least one read for any statement that looked
    /// at data (PROTOCOL.md §1.3 item 6).
    public var consumedIOs: IOUsage
    /// A query read page by page: `values` is then empty and the session
    /// layer asks the stream for each page as the client fetches it.
    public var stream: (any StatementStream)?

    public init(values: [ResultValue], consumedIOs: IOUsage) {
        self.values = values
        self.consumedIOs = consumedIOs
    }

    public init(stream: any StatementStream) {
        self.values = []
        self.consumedIOs = .zero
        self.stream = stream
    }

    public init(values: [IonValue], readIOs: Int64, writeIOs: Int64 = 0) {
        self.values = values.map { .value($0) }
        self.consumedIOs = IOUsage(readIOs: readIOs, writeIOs: writeIOs)
    }
}

/// The rest of a statement's result, produced a page at a time (see
/// `ResultStream`). Called on the node's loop, one call at a time.
public protocol StatementStream: AnyObject, Sendable {
    /// Up to `maxValues` more values; fewer, even none, when a page's time is
    /// up, with more to come until `isFinished`. `deadline` is the
    /// transaction's (as for `execute`); `completion` runs on the calling thread.
    func next(maxValues: Int, deadline: UInt64, completion: @escaping (Result<StatementPage, ServiceError>) -> Void)
}

public struct StatementPage: Sendable {
    public var values: [ResultValue]
    public var consumedIOs: IOUsage
    public var isFinished: Bool

    public init(values: [ResultValue], consumedIOs: IOUsage, isFinished: Bool) {
        self.values = values
        self.consumedIOs = consumedIOs
        self.isFinished = isFinished
    }
}

public enum ResultValue: Sendable, Equatable {
    case value(IonValue)
    /// A complete Ion binary stream holding exactly one value.
    case binary([UInt8])

    /// The wire form: a complete binary stream with one value.
    public var ionBinary: [UInt8] {
        switch self {
        case .value(let v): return Ion.writeBinary([v])
        case .binary(let b): return b
        }
    }
}

public struct CommitOutcome: Sendable, Equatable {
    /// IOs of the commit itself (reported in the CommitTransaction response).
    public var consumedIOs: IOUsage

    public init(consumedIOs: IOUsage = .zero) { self.consumedIOs = consumedIOs }
}
