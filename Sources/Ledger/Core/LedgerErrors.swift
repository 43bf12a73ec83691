/// QLDB's quotas (PROTOCOL.md §4.1), configurable. Defaults are QLDB's, except
/// `indexesPerTable` (Tally allows 20; QLDB had 5).
public struct LedgerLimits: Sendable {
    public var documentsPerTransaction = 40
    /// Ion-encoded bytes of one document.
    public var documentSize = 128 * 1024
    /// Documents written + statements and parameters, in bytes.
    public var transactionSize = 4 * 1024 * 1024
    public var transactionLifetimeMs: Int64 = 30_000
    public var indexesPerTable = 20
    public var activeTables = 20
    public var totalTables = 40
    public var redactionsPerTransaction = 1
    public var statementLength = 100_000

    public init() {}
}

/// Commit-time conflict: something the transaction read changed (or is about
/// to change in a block already proposed) since it was read. Retry the transaction.
public struct OccConflict: Error, Sendable, CustomStringConvertible {
    public var transactionId: String
    public var reason: String
    public var description: String { "Optimistic concurrency control conflict in transaction \(transactionId): \(reason)" }
}

/// A QLDB quota was exceeded (maps to `LimitExceededException`/`BadRequestException`).
public struct LimitExceeded: Error, Sendable, CustomStringConvertible {
    public var limit: String
    public var message: String
    public var description: String { message }
}

/// The transaction is past its lifetime, already committed or aborted.
public struct TransactionClosed: Error, Sendable, CustomStringConvertible {
    public var transactionId: String
    public var message: String
    public var description: String { "Transaction \(transactionId): \(message)" }
}

/// Errors of the journal itself.
public enum LedgerError: Error, Sendable, CustomStringConvertible {
    /// A proposal that cannot apply to the current state; every node rejects it
    /// identically and the state is unchanged.
    case invalidProposal(transactionId: String, reason: String)
    /// A journal record whose recomputed hashes do not match or do not chain.
    case corruptJournal(sequenceNo: Int, reason: String)
    /// A block received from another node (`Ledger.appendReplicated`) that does
    /// not verify against this node's own recomputation, is not the next block,
    /// or cannot apply; nothing was appended.
    case replicatedBlockRefused(sequenceNo: Int, reason: String)
    case unknownBlock(BlockAddress)
    case unknownRevision(BlockAddress, documentId: String)
    case invalidTip(BlockAddress)
    case storeMismatch(expected: Int, got: Int)
    /// A block reached the journal but the state store could not record it
    /// (an I/O error); the ledger takes no more blocks until it is reopened.
    case stateStoreFailed(sequenceNo: Int, reason: String)
    /// No block has been committed yet, so there is no digest.
    case emptyJournal

    public var description: String {
        switch self {
        case .invalidProposal(let tx, let reason): return "proposal of transaction \(tx) rejected: \(reason)"
        case .corruptJournal(let seq, let reason): return "journal block \(seq) is corrupt: \(reason); refusing to open"
        case .replicatedBlockRefused(let seq, let reason): return "replicated block \(seq) refused: \(reason)"
        case .unknownBlock(let a): return "no block at \(a)"
        case .unknownRevision(let a, let doc): return "no revision of document \(doc) in block \(a)"
        case .invalidTip(let a): return "digest tip \(a) is not a committed block of this ledger"
        case .storeMismatch(let e, let g): return "journal store appended at index \(g), expected \(e)"
        case .stateStoreFailed(let seq, let reason): return "block \(seq) is in the journal but the state store failed: \(reason); reopen the ledger"
        case .emptyJournal: return "the journal has no block yet"
        }
    }
}

