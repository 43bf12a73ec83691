/// Why the state machine refused a committed command: the same on every node,
/// and nothing changed. Typed from the state machine to the layer that
/// answers the client, which maps it once (`CommitFailure.serviceError` for
/// the session API, `ControlPlaneError(_:resource:)` for the control plane).
public enum ApplyRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// A transaction whose reads are stale, or that was refused before a restart.
    case occConflict(String)
    /// A malformed command or an argument the command cannot take.
    case invalidParameter(String)
    case notFound(String)
    /// The resource is not in the state the command needs (e.g. not ACTIVE).
    case preconditionNotMet(String)
    case inUse(String)
    case alreadyExists(String)
    case limitExceeded(String)
    /// This node stopped applying the ledger: its journal disagrees with the proposer's.
    case diverged(String)
    /// The journal write failed; the node stops taking writes.
    case storageFailed(String)

    public var message: String {
        switch self {
        case .occConflict(let m), .invalidParameter(let m), .notFound(let m), .preconditionNotMet(let m), .inUse(let m),
             .alreadyExists(let m), .limitExceeded(let m), .diverged(let m), .storageFailed(let m):
            return m
        }
    }

    public var description: String { "\(self)".prefix(while: { $0 != "(" }) + ": " + message }
}
