import Foundation
import Ion

/// One JSON object of a request body as a decoder reads its members: a
/// repeated name means its last value, and `null` means absent. The tree
/// (`JSONMember`) and the direct path (`SpanMembers`) both read a request
/// through this, so they check the same things in the same order.
protocol RequestMembers {
    associatedtype Item
    /// Nil when absent; throws when the value is not a string.
    func string(_ key: String) throws -> String?
    /// Throws when absent or not a string.
    func requiredString(_ key: String) throws -> String
    /// The items of `key`'s array; nil when absent; throws when not an array.
    func array(_ key: String) throws -> [Item]?
    /// The members of an item that must be an object (a value holder at `path`).
    func members(of item: Item, path: @autoclosure () -> String) throws -> Self
    /// A value holder's problem as this decoder throws it.
    static func holderProblem(_ error: ServiceError) -> any Error
}

extension SendCommandRequest {
    /// The request whose one command is `name`, with `args` its argument object.
    static func command<M: RequestMembers>(named name: String, top: M, args: M) throws -> SendCommandRequest {
        var token: String?
        if name != "StartSession" {
            guard let t = try top.string("SessionToken") else {
                throw ServiceError.badRequest("SessionToken is required for \(name)")
            }
            try checkToken(t, path: "SessionToken")
            token = t
        }

        let command: SessionCommand
        switch name {
        case "StartSession":
            let ledger = try args.requiredString("LedgerName")
            try checkLedgerName(ledger)
            command = .startSession(ledgerName: ledger)
        case "StartTransaction":
            command = .startTransaction
        case "ExecuteStatement":
            let txn = try args.requiredString("TransactionId")
            try checkTransactionID(txn, path: "ExecuteStatement.TransactionId")
            let statement = try args.requiredString("Statement")
            let length = statement.unicodeScalars.count
            guard Limits.statementLength.contains(length) else {
                throw ServiceError.badRequest(length == 0
                    ? "ExecuteStatement.Statement must not be empty"
                    : "ExecuteStatement.Statement is \(length) characters; the limit is \(Limits.statementLength.upperBound)")
            }
            let holders = try args.array("Parameters") ?? []
            var parameters: [IonValue] = []
            parameters.reserveCapacity(holders.count)
            for (i, item) in holders.enumerated() {
                let holder = try args.members(of: item, path: "ExecuteStatement.Parameters[\(i)]")
                let (binary, text) = (try holder.string("IonBinary"), try holder.string("IonText"))
                do {
                    parameters.append(try decodeValueHolder(binary: binary, text: text, path: "ExecuteStatement.Parameters[\(i)]"))
                } catch let error as ServiceError {
                    throw M.holderProblem(error)
                }
            }
            command = .executeStatement(transactionID: txn, statement: statement, parameters: parameters)
        case "FetchPage":
            let txn = try args.requiredString("TransactionId")
            try checkTransactionID(txn, path: "FetchPage.TransactionId")
            let pageToken = try args.requiredString("NextPageToken")
            try checkToken(pageToken, path: "FetchPage.NextPageToken")
            command = .fetchPage(transactionID: txn, nextPageToken: pageToken)
        case "CommitTransaction":
            let txn = try args.requiredString("TransactionId")
            try checkTransactionID(txn, path: "CommitTransaction.TransactionId")
            let digestText = try args.requiredString("CommitDigest")
            guard let digest = Data(base64Encoded: digestText) else {
                throw ServiceError.badRequest("CommitTransaction.CommitDigest is not valid base64")
            }
            command = .commitTransaction(transactionID: txn, commitDigest: [UInt8](digest))
        case "AbortTransaction":
            command = .abortTransaction
        default:
            command = .endSession
        }
        return SendCommandRequest(sessionToken: token, command: command)
    }
}
