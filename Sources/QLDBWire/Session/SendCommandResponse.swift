/// `ConsumedIOs` of a response.
public struct IOUsage: Equatable, Sendable {
    public var readIOs: Int64
    public var writeIOs: Int64

    public init(readIOs: Int64 = 0, writeIOs: Int64 = 0) {
        self.readIOs = readIOs
        self.writeIOs = writeIOs
    }

    public static let zero = IOUsage()
}

/// One page of results: each value is a complete Ion binary stream (version
/// marker, local symbol table if needed, exactly one value).
public struct ResultPage: Equatable, Sendable {
    public var values: [[UInt8]]
    /// Present iff more pages follow.
    public var nextPageToken: String?

    public init(values: [[UInt8]], nextPageToken: String?) {
        self.values = values
        self.nextPageToken = nextPageToken
    }
}

/// A successful command's result (PROTOCOL.md §1.3), without timing.
public enum SessionResult: Equatable, Sendable {
    case startSession(sessionToken: String)
    case startTransaction(transactionID: String)
    case executeStatement(firstPage: ResultPage, consumedIOs: IOUsage)
    case fetchPage(page: ResultPage, consumedIOs: IOUsage)
    case commitTransaction(transactionID: String, commitDigest: [UInt8], consumedIOs: IOUsage)
    case abortTransaction
    case endSession

    /// The response body: one key named after the command.
    public func jsonBody(processingTimeMilliseconds ms: Int64) -> String {
        String(decoding: jsonBodyBytes(processingTimeMilliseconds: ms), as: UTF8.self)
    }

    /// `jsonBody`'s UTF-8.
    /// Written straight into bytes, member by member (a `JSONValue` tree first cost ≈ 13,000
    /// instructions a response).
    public func jsonBodyBytes(processingTimeMilliseconds ms: Int64) -> [UInt8] {
        var out = JSONBytes(capacity: 160)
        out.openObject(commandKey)
        switch self {
        case .startSession(let token):
            out.member("SessionToken", string: token)
        case .startTransaction(let id):
            out.member("TransactionId", string: id)
        case .executeStatement(let p, _):
            out.member("FirstPage", page: p)
        case .fetchPage(let p, _):
            out.member("Page", page: p)
        case .commitTransaction(let id, let digest, _):
            out.member("TransactionId", string: id)
            out.member("CommitDigest", base64: digest)
        case .abortTransaction, .endSession:
            break
        }
        out.openObject("TimingInformation")
        out.member("ProcessingTimeMilliseconds", number: ms)
        out.close()
        switch self {
        case .executeStatement(_, let io), .fetchPage(_, let io), .commitTransaction(_, _, let io):
            out.openObject("ConsumedIOs")
            out.member("ReadIOs", number: io.readIOs)
            out.member("WriteIOs", number: io.writeIOs)
            out.close()
        default:
            break
        }
        out.close()
        out.close()
        return out.bytes
    }

    /// The one member of the response body.
    var commandKey: StaticString {
        switch self {
        case .startSession: return "StartSession"
        case .startTransaction: return "StartTransaction"
        case .executeStatement: return "ExecuteStatement"
        case .fetchPage: return "FetchPage"
        case .commitTransaction: return "CommitTransaction"
        case .abortTransaction: return "AbortTransaction"
        case .endSession: return "EndSession"
        }
    }
}
