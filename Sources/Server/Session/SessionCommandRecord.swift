import QLDBWire

/// One finished `SendCommand`, as the session layer knows it: which ledger,
/// which command, how long, and the error it ended with. The node records
/// metrics from it (`LedgerMetrics.record(_:)`), once per command.
public struct SessionCommandRecord: Sendable {
    /// The session's ledger (for StartSession, the ledger it names).
    public var ledger: String
    /// The wire name (`SessionCommand.name`).
    public var command: String
    /// The command as the metrics name it (nil when the record was made from a name alone).
    public var metricsCommand: MetricsCommand?
    public var duration: Duration
    /// nil when the command succeeded.
    public var error: ServiceError?

    public init(ledger: String, command: String, duration: Duration, error: ServiceError?) {
        self.ledger = ledger
        self.command = command
        self.duration = duration
        self.error = error
    }

    public init(ledger: String, command: SessionCommand, duration: Duration, error: ServiceError?) {
        self.init(ledger: ledger, command: command.name, duration: duration, error: error)
        metricsCommand = MetricsCommand(command)
    }
}
