import Foundation
import Ion

/// One `SendCommand` command (PROTOCOL.md §1.2), validated and decoded.
public enum SessionCommand: Equatable, Sendable {
    case startSession(ledgerName: String)
    case startTransaction
    /// Parameters decoded from their `ValueHolder`s (local symbol tables applied).
    case executeStatement(transactionID: String, statement: String, parameters: [IonValue])
    case fetchPage(transactionID: String, nextPageToken: String)
    case commitTransaction(transactionID: String, commitDigest: [UInt8])
    case abortTransaction
    case endSession

    /// The wire name, which is also the response's single key.
    public var name: String {
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

/// A decoded `SendCommandRequest`. `sessionToken` is nil only for `StartSession`.
public struct SendCommandRequest: Equatable, Sendable {
    public var sessionToken: String?
    public var command: SessionCommand

    public init(sessionToken: String?, command: SessionCommand) {
        self.sessionToken = sessionToken
        self.command = command
    }

    public static let commandNames = ["StartSession", "StartTransaction", "ExecuteStatement", "FetchPage",
                                      "CommitTransaction", "AbortTransaction", "EndSession"]

    /// Model limits (botocore `qldb-session` 2019-07-11).
    public enum Limits {
        public static let tokenLength = 4...1024
        public static let ledgerNameLength = 1...32
        public static let transactionIDLength = 22
        public static let statementLength = 1...100_000
        public static let ionBinaryBytes = 1...131_072
        public static let ionTextLength = 1...1_048_576
    }

    /// Decodes and validates a request body. Every problem is a
    /// `BadRequestException` whose message names the offending member.
    /// Bodies as drivers send them take the direct path (no JSON tree); any
    /// other body, and every body with a problem, is decoded through the tree,
    /// which is the reference for what is accepted and what each error says —
    /// but for a value holder's problem, which the direct path reports itself
    /// (`Settled`: the same error from the same strings, without a second pass).
    public static func decode(_ body: [UInt8]) throws -> SendCommandRequest {
        do {
            if let request = try decodeDirect(body) { return request }
        } catch let settled as Settled {
            throw settled.error
        } catch {}
        return try decodeTree(body)
    }

    /// `decode` by way of a `JSONValue` tree.
    static func decodeTree(_ body: [UInt8]) throws -> SendCommandRequest {
        guard !body.isEmpty else { throw ServiceError.badRequest("Request body is empty; expected a JSON object") }
        // The strict byte-level parser (as the control plane's): no Foundation objects and casts per request.
        let json: JSONValue
        do {
            json = try JSONValue.parse(body, maxDepth: 512)
        } catch {
            throw ServiceError.badRequest("Request body is not valid JSON")
        }
        let member: JSONMember
        switch json {
        case .object(let members): member = JSONMember(members, path: "")
        case .array: throw ServiceError.badRequest("Request body must be a JSON object")
        default: throw ServiceError.badRequest("Request body is not valid JSON")   // a bare scalar is not a JSON text here
        }
        let present = commandNames.filter { member.has($0) }
        guard present.count == 1 else {
            throw ServiceError.badRequest(present.isEmpty
                ? "Request must contain exactly one command (one of \(commandNames.joined(separator: ", "))); found none"
                : "Request must contain exactly one command; found \(present.count): \(present.joined(separator: ", "))")
        }
        let name = present[0]
        return try command(named: name, top: member, args: try member.object(name))
    }

    // MARK: Member checks

    static func isTokenCharacter(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"),
             UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    public static func isAlphanumericOrDash(_ b: UInt8) -> Bool {
        isTokenCharacter(b) && b != UInt8(ascii: "+") && b != UInt8(ascii: "/") && b != UInt8(ascii: "=")
    }

    /// Per byte: 1 for `[A-Za-z0-9-]`, 2 for `[+/=]`, 0 otherwise.
    private static let tokenClass: [UInt8] = (0...255).map { b in
        isAlphanumericOrDash(UInt8(b)) ? 1 : isTokenCharacter(UInt8(b)) ? 2 : 0
    }

    /// Whether every byte is of a class in `mask` (a string's own bytes, not its `utf8` view's iterator).
    private static func allBytes(of s: String, in mask: UInt8) -> Bool {
        var s = s
        return s.withUTF8 { bytes in
            tokenClass.withUnsafeBufferPointer { table in bytes.allSatisfy { table[Int($0)] & mask != 0 } }
        }
    }

    /// `SessionToken` / `NextPageToken`: 4..1024 of `[A-Za-z-0-9+/=]`.
    static func checkToken(_ t: String, path: String) throws {
        guard Limits.tokenLength.contains(t.utf8.count) else {
            throw ServiceError.badRequest("\(path) must be 4 to 1024 characters long")
        }
        guard allBytes(of: t, in: 3) else {
            throw ServiceError.badRequest("\(path) must match the pattern ^[A-Za-z-0-9+/=]+$")
        }
    }

    /// Exactly 22 of `[A-Za-z-0-9]`.
    static func checkTransactionID(_ id: String, path: String) throws {
        guard id.utf8.count == Limits.transactionIDLength, allBytes(of: id, in: 1) else {
            throw ServiceError.badRequest(
                "\(path) '\(id.prefix(64))' is invalid: it must be exactly 22 characters matching ^[A-Za-z-0-9]+$")
        }
    }

    /// 1..32 of `[A-Za-z0-9-]`, no `--`, not all digits, no leading or trailing `-`.
    public static func checkLedgerName(_ name: String) throws {
        let bytes = Array(name.utf8)
        let ok = Limits.ledgerNameLength.contains(bytes.count)
            && bytes.allSatisfy { isAlphanumericOrDash($0) }
            && !name.contains("--")
            && !bytes.allSatisfy { $0 >= 48 && $0 <= 57 }
            && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
        guard ok else {
            throw ServiceError.badRequest("StartSession.LedgerName '\(name.prefix(64))' is invalid: it must be 1 to 32 "
                + "letters, digits and hyphens, not all digits, without leading, trailing or consecutive hyphens")
        }
    }

    /// `{"IonBinary": b64}` or `{"IonText": text}` holding exactly one Ion value.
    static func decodeValueHolder(binary: String?, text: String?, path: @autoclosure () -> String) throws -> IonValue {
        let bytes: [UInt8]
        switch (binary, text) {
        case (let b?, nil):
            guard let data = Data(base64Encoded: b) else {
                throw ServiceError.badRequest("\(path()).IonBinary is not valid base64")
            }
            guard Limits.ionBinaryBytes.contains(data.count) else {
                throw ServiceError.badRequest(data.isEmpty ? "\(path()).IonBinary is empty"
                    : "\(path()).IonBinary is \(data.count) bytes; the limit is \(Limits.ionBinaryBytes.upperBound)")
            }
            bytes = [UInt8](data)
        case (nil, let t?):
            let length = t.unicodeScalars.count
            guard Limits.ionTextLength.contains(length) else {
                throw ServiceError.badRequest(length == 0 ? "\(path()).IonText is empty"
                    : "\(path()).IonText is \(length) characters; the limit is \(Limits.ionTextLength.upperBound)")
            }
            bytes = Array(t.utf8)
        case (nil, nil):
            throw ServiceError.badRequest("\(path()) must contain IonBinary or IonText")
        default:
            throw ServiceError.badRequest("\(path()) must contain only one of IonBinary and IonText")
        }
        let values: [IonValue]
        do {
            values = try Ion.read(bytes, options: .untrusted)
        } catch let error as IonError {
            throw ServiceError.badRequest("\(path()) is not valid Ion: \(error.description)")
        } catch {
            throw ServiceError.badRequest("\(path()) is not valid Ion: \(error)")
        }
        guard values.count == 1 else {
            throw ServiceError.badRequest("\(path()) must hold exactly one Ion value; it holds \(values.count)")
        }
        return values[0]
    }
}

/// Typed access to the members of a decoded JSON object; JSON `null` is
/// treated as absent, as AWS's JSON protocols do. A repeated member name
/// means its last value (as Foundation's JSONSerialization did).
struct JSONMember: RequestMembers {
    let members: [(String, JSONValue)]
    let path: String

    init(_ members: [(String, JSONValue)], path: String) {
        self.members = members
        self.path = path
    }

    private func raw(_ key: String) -> JSONValue? {
        guard let v = members.last(where: { $0.0 == key })?.1 else { return nil }
        if case .null = v { return nil }
        return v
    }

    func has(_ key: String) -> Bool { raw(key) != nil }

    func string(_ key: String) throws -> String? {
        guard let v = raw(key) else { return nil }
        guard case .string(let s) = v else { throw ServiceError.badRequest("\(path)\(key) must be a string") }
        return s
    }

    func requiredString(_ key: String) throws -> String {
        guard let s = try string(key) else { throw ServiceError.badRequest("\(path)\(key) is required") }
        return s
    }

    func array(_ key: String) throws -> [JSONValue]? {
        guard let v = raw(key) else { return nil }
        guard case .array(let a) = v else { throw ServiceError.badRequest("\(path)\(key) must be a JSON array") }
        return a
    }

    func members(of item: JSONValue, path: @autoclosure () -> String) throws -> JSONMember {
        guard case .object(let o) = item else { throw ServiceError.badRequest("\(path()) must be a JSON object") }
        return JSONMember(o, path: path() + ".")
    }

    static func holderProblem(_ error: ServiceError) -> any Error { error }

    /// A command's argument object (required; `{}` for argument-less commands).
    func object(_ key: String) throws -> JSONMember {
        guard let v = raw(key) else { throw ServiceError.badRequest("\(path)\(key) is required") }
        guard case .object(let o) = v else { throw ServiceError.badRequest("\(path)\(key) must be a JSON object") }
        return JSONMember(o, path: path + key + ".")
    }
}
