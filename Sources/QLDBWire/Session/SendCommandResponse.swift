import Ledger
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
        return JSONValue.object([(key, .object(members))]).text
    }
}

/// Identifiers: request ids and tokens.
public enum Identifiers {
    static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A random 22-character Base62 id (like QLDB's request and document ids).
    public static func base62ID<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(22)
        for _ in 0..<22 { out.append(base62[Int.random(in: 0..<62, using: &generator)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// A random 128-bit value as 22 Base62 characters (two draws from the
    /// system generator, not one per character).
    public static func requestID() -> String {
        var g = SystemRandomNumberGenerator()
        return LedgerID.encode(high: g.next(), low: g.next())
    }

    /// A random token: standard base64 of `bytes` random bytes (matches
    /// `^[A-Za-z-0-9+/=]+$`; 32 bytes → 44 characters).
    public static func token(bytes: Int = 32) -> String {
        var g = SystemRandomNumberGenerator()
        var raw: [UInt8] = []
        raw.reserveCapacity(bytes + 8)
        while raw.count < bytes {
            let word: UInt64 = g.next()
            withUnsafeBytes(of: word) { raw.append(contentsOf: $0) }
        }
        return Data(raw.prefix(bytes)).base64EncodedString()
    }
}
