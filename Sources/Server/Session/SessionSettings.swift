import Foundation

/// Timeouts and limits of the session API (PROTOCOL.md §1.5, §4.1).
public struct SessionSettings: Sendable, Equatable {
    /// A transaction expires this long after StartTransaction.
    public var transactionTimeout: TimeInterval = 30
    /// A session expires this long after StartSession, whatever its activity.
    public var sessionLifetime: TimeInterval = 15 * 60
    /// How long an expired session's token still answers "Session … has
    /// expired" before it becomes "No such session".
    public var expiredSessionRetention: TimeInterval = 15 * 60
    /// Concurrent active sessions per ledger (QLDB: 3000, fixed).
    public var maxSessionsPerLedger = 3000
    /// Concurrent active sessions one access key may hold, across ledgers;
    /// below `maxSessionsPerLedger` so one credential cannot take them all.
    public var maxSessionsPerCredential = 1500
    /// Token bucket per caller (access key): requests per second; 0 disables.
    public var rateLimitPerSecond: Double = 20_000
    /// Token bucket size (the burst a caller may send at once).
    public var rateLimitBurst: Double = 40_000
    /// Values per result page.
    public var pageSize = 200
    /// Ion bytes per result page (approximate; a page holds at least one value).
    public var pageBytes = 1_048_576

    public init() {}
}
