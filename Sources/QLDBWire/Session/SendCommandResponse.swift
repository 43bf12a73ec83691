import Foundation

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
    public func jsonBodyBytes(processingTimeMilliseconds ms: Int64) -> [UInt8] {
        let timing: (String, JSONValue) = ("TimingInformation", .object([("ProcessingTimeMilliseconds", .int(ms))]))
        func ios(_ io: IOUsage) -> (String, JSONValue) {
            ("ConsumedIOs", .object([("ReadIOs", .int(io.readIOs)), ("WriteIOs", .int(io.writeIOs))]))
        }
        func page(_ p: ResultPage) -> JSONValue {
            var members: [(String, JSONValue)] = [
                ("Values", .array(p.values.map { .object([("IonBinary", .string(Data($0).base64EncodedString()))]) })),
            ]
            if let token = p.nextPageToken { members.append(("NextPageToken", .string(token))) }
            return .object(members)
        }
        let key: String
        let members: [(String, JSONValue)]
        switch self {
        case .startSession(let token):
            key = "StartSession"
            members = [("SessionToken", .string(token)), timing]
        case .startTransaction(let id):
            key = "StartTransaction"
            members = [("TransactionId", .string(id)), timing]
        case .executeStatement(let p, let io):
            key = "ExecuteStatement"
            members = [("FirstPage", page(p)), timing, ios(io)]
        case .fetchPage(let p, let io):
            key = "FetchPage"
            members = [("Page", page(p)), timing, ios(io)]
        case .commitTransaction(let id, let digest, let io):
            key = "CommitTransaction"
            members = [("TransactionId", .string(id)), ("CommitDigest", .string(Data(digest).base64EncodedString())),
                       timing, ios(io)]
        case .abortTransaction:
            key = "AbortTransaction"
            members = [timing]
        case .endSession:
            key = "EndSession"
            members = [timing]
        }
        return JSONValue.object([(key, .object(members))]).bytes
    }
}
