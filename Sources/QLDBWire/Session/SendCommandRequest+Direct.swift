import Foundation
import Ion

/// `decode` without a JSON tree: the body is checked and its members located
/// by position, and only the values a command needs become strings. Every
/// member name it looks at must be plain ASCII (so that comparing bytes is
/// comparing names as the tree does); anything else, and every problem,
/// returns nil or throws, and `decode` then takes the tree, whose error the
/// client sees. The one exception is a value holder's problem (`Settled`),
/// found after every earlier check passed and worded by the same function
/// the tree calls. So this path decides nothing the tree would decide otherwise.
extension SendCommandRequest {
    /// Deeper bodies take the tree (which allows 512).
    static let directMaxDepth = 32

    static func decodeDirect(_ body: [UInt8]) throws -> SendCommandRequest? {
        var scanner = JSONScanner(bytes: body, maxDepth: directMaxDepth)
        scanner.skipSpace()
        guard scanner.i < body.count, body[scanner.i] == UInt8(ascii: "{") else { return nil }
        // Recorded: the command's members (depth 1), Parameters' items (2) and their members (3).
        var tape = JSONTape()
        try scanner.record(into: &tape, parent: -1, depth: 0, recordDepth: 3)
        scanner.skipSpace()
        guard scanner.i == body.count, tape.plainNames else { return nil }
        let top = SpanMembers(bytes: body, tape: tape, parent: -1)

        var found: (index: Int, entry: Int)?
        for (index, name) in Names.commands.enumerated() {
            guard let value = top.value(name) else { continue }
            guard found == nil else { return nil }   // two commands
            found = (index, value)
        }
        guard let (index, argsValue) = found, let args = top.object(argsValue) else { return nil }
        let name = commandNames[index]

        var token: String?
        if name != "StartSession" {
            guard let t = try top.string(Names.sessionToken) else { return nil }
            try checkToken(t, path: "SessionToken")
            token = t
        }

        let command: SessionCommand
        switch name {
        case "StartSession":
            guard let ledger = try args.string(Names.ledgerName) else { return nil }
            try checkLedgerName(ledger)
            command = .startSession(ledgerName: ledger)
        case "StartTransaction":
            command = .startTransaction
        case "ExecuteStatement":
            guard let txn = try args.string(Names.transactionID), let statement = try args.string(Names.statement) else {
                return nil
            }
            try checkTransactionID(txn, path: "ExecuteStatement.TransactionId")
            guard Limits.statementLength.contains(statement.unicodeScalars.count) else { return nil }
            var parameters: [IonValue] = []
            if let list = args.value(Names.parameters) {
                guard let holders = args.array(list) else { return nil }
                parameters.reserveCapacity(holders.count)
                for (i, holder) in holders.enumerated() {
                    guard let members = args.object(holder) else { return nil }
                    let (binary, text) = (try members.string(Names.ionBinary), try members.string(Names.ionText))
                    do {
                        parameters.append(try decodeValueHolder(binary: binary, text: text,
                                                                path: "ExecuteStatement.Parameters[\(i)]"))
                    } catch let error as ServiceError {
                        // Everything before this value holder checked out as the tree checks it, and the tree
                        // would make this one's error from the same strings: no second pass over a large body.
                        throw Settled(error: error)
                    }
                }
            }
            command = .executeStatement(transactionID: txn, statement: statement, parameters: parameters)
        case "FetchPage":
            guard let txn = try args.string(Names.transactionID), let pageToken = try args.string(Names.nextPageToken) else {
                return nil
            }
            try checkTransactionID(txn, path: "FetchPage.TransactionId")
            try checkToken(pageToken, path: "FetchPage.NextPageToken")
            command = .fetchPage(transactionID: txn, nextPageToken: pageToken)
        case "CommitTransaction":
            guard let txn = try args.string(Names.transactionID), let digestText = try args.string(Names.commitDigest),
                  let digest = Data(base64Encoded: digestText) else { return nil }
            try checkTransactionID(txn, path: "CommitTransaction.TransactionId")
            command = .commitTransaction(transactionID: txn, commitDigest: [UInt8](digest))
        case "AbortTransaction":
            command = .abortTransaction
        default:
            command = .endSession
        }
        return SendCommandRequest(sessionToken: token, command: command)
    }

    /// A problem `decodeDirect` reports as the tree would, without the tree.
    struct Settled: Error {
        let error: ServiceError
    }

    /// Member names as bytes.
    enum Names {
        static let commands = commandNames.map { Array($0.utf8) }
        static let sessionToken = Array("SessionToken".utf8)
        static let ledgerName = Array("LedgerName".utf8)
        static let transactionID = Array("TransactionId".utf8)
        static let statement = Array("Statement".utf8)
        static let parameters = Array("Parameters".utf8)
        static let nextPageToken = Array("NextPageToken".utf8)
        static let commitDigest = Array("CommitDigest".utf8)
        static let ionBinary = Array("IonBinary".utf8)
        static let ionText = Array("IonText".utf8)
    }
}

/// The members of one recorded object, looked up as `JSONMember` looks them
/// up: a repeated name means its last value, and `null` means absent. Values
/// are converted only when asked for.
struct SpanMembers {
    struct NotAString: Error {}

    let bytes: [UInt8]
    let tape: JSONTape
    /// The object's entry on the tape; -1 for the outermost.
    let parent: Int

    /// The entry of the last member named `name`; nil when absent or null.
    func value(_ name: [UInt8]) -> Int? {
        var index = tape.entries.count - 1
        while index > parent {
            let entry = tape.entries[index]
            if entry.parent == parent, let n = entry.name, bytes[n].elementsEqual(name) {
                return bytes[entry.value.lowerBound] == UInt8(ascii: "n") ? nil : index
            }
            index -= 1
        }
        return nil
    }

    /// Nil when absent; a value that is not a string throws (the tree's "must be a string").
    func string(_ name: [UInt8]) throws -> String? {
        guard let index = value(name) else { return nil }
        let value = tape.entries[index].value
        guard bytes[value.lowerBound] == UInt8(ascii: "\"") else { throw NotAString() }
        if tape.entries[index].plain {   // checked ASCII when recorded: no second scan (a parameter may be a megabyte)
            return bytes.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[value.lowerBound + 1 ..< value.upperBound - 1]), as: UTF8.self)
            }
        }
        var scanner = JSONScanner(bytes: bytes, maxDepth: 0)
        scanner.i = value.lowerBound
        return try scanner.string()
    }

    /// The members of the object at `entry`; nil when it is not an object.
    func object(_ entry: Int) -> SpanMembers? {
        guard bytes[tape.entries[entry].value.lowerBound] == UInt8(ascii: "{") else { return nil }
        return SpanMembers(bytes: bytes, tape: tape, parent: entry)
    }

    /// The entries of the items of the array at `entry`; nil when it is not an array.
    func array(_ entry: Int) -> [Int]? {
        guard bytes[tape.entries[entry].value.lowerBound] == UInt8(ascii: "[") else { return nil }
        return tape.entries.indices.filter { $0 > entry && tape.entries[$0].parent == entry }
    }
}
