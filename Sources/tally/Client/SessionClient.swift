import Foundation
import Ion
import Net
import QLDBWire

/// QLDB's session API (`QLDBSession.SendCommand`, AWS JSON 1.0;
/// PROTOCOL.md §1) for one ledger: one session, at most one open
/// transaction. Synchronous; not for concurrent use.
final class SessionClient {
    let settings: ClientSettings
    let ledger: String
    private let transport: ClientTransport
    private let signer: RequestSigner
    private(set) var sessionToken: String?
    /// The open transaction, if any.
    private(set) var transaction: SessionTransaction?
    /// Retries of a whole transaction (OCC conflict, 500/503, lost session), as pyqldb's `retry_limit`.
    var retryLimit = 4

    init(settings: ClientSettings, ledger: String) throws {
        self.settings = settings
        self.ledger = ledger
        transport = try ClientTransport(endpoint: settings.sessionEndpoint, caBundle: settings.caBundle)
        signer = RequestSigner(credentials: settings.credentials, region: settings.region)
    }

    // MARK: wire

    /// Sends one command; returns the result object named after it.
    func send(_ command: String, _ argument: JSONValue) throws -> JSONValue {
        var members: [(String, JSONValue)] = []
        if command != "StartSession" {
            guard let sessionToken else { throw CLIError("no session: call startSession first") }
            members.append(("SessionToken", .string(sessionToken)))
        }
        members.append((command, argument))
        let body = Array(JSONValue.object(members).text.utf8)
        var headers = HTTPHeaders()
        headers.set("Content-Type", "application/x-amz-json-1.0")
        headers.set("X-Amz-Target", "QLDBSession.SendCommand")
        signer.sign(method: "POST", target: settings.sessionEndpoint.basePath + "/",
                    host: settings.sessionEndpoint.hostHeader, headers: &headers, body: body)
        headers.set("User-Agent", "tally-cli/\(Tally.version)")
        let response = try transport.send(method: "POST", target: "/", headers: headers, body: body)
        guard response.status == 200 else { throw AWSServiceError(response: response) }
        guard let json = try? JSONValue.parse(response.bodyBytes), let result = json[command] else {
            throw CLIError("\(command): malformed answer: \(response.bodyText.prefix(200))")
        }
        return result
    }

    // MARK: commands

    func startSession() throws {
        let result = try send("StartSession", .object([("LedgerName", .string(ledger))]))
        guard let token = result["SessionToken"]?.stringValue else { throw CLIError("StartSession answer lacks SessionToken") }
        sessionToken = token
        transaction = nil
    }

    @discardableResult
    func startTransaction() throws -> SessionTransaction {
        if sessionToken == nil { try startSession() }
        let result = try send("StartTransaction", .object([]))
        guard let id = result["TransactionId"]?.stringValue else { throw CLIError("StartTransaction answer lacks TransactionId") }
        let t = SessionTransaction(id: id)
        transaction = t
        return t
    }

    /// Runs a statement in the open transaction and fetches every page.
    /// The statement enters the commit digest even when it fails, as in the drivers.
    func executeStatement(_ statement: String, parameters: [IonValue] = []) throws -> StatementResult {
        guard let t = transaction else { throw CLIError("no open transaction") }
        t.record(statement, parameters: parameters)
        let holders: [JSONValue] = parameters.map {
            .object([("IonBinary", .string(Data(Ion.writeBinary([$0])).base64EncodedString()))])
        }
        var result = StatementResult()
        let first = try send("ExecuteStatement", .object([
            ("TransactionId", .string(t.id)), ("Statement", .string(statement)), ("Parameters", .array(holders)),
        ]))
        var page = first["FirstPage"]
        result.add(first)
        while true {
            for holder in page?["Values"]?.arrayValue ?? [] {
                result.values.append(try Self.decode(holder))
            }
            guard let token = page?["NextPageToken"]?.stringValue else { break }
            let next = try send("FetchPage", .object([("TransactionId", .string(t.id)), ("NextPageToken", .string(token))]))
            result.add(next)
            result.pages += 1
            page = next["Page"]
        }
        return result
    }

    /// Commits with the client-computed digest and checks the echo.
    @discardableResult
    func commit() throws -> [UInt8] {
        guard let t = transaction else { throw CLIError("no open transaction") }
        let digest = t.commitDigest
        transaction = nil
        let result = try send("CommitTransaction", .object([
            ("TransactionId", .string(t.id)), ("CommitDigest", .string(Data(digest).base64EncodedString())),
        ]))
        guard let echoed = result["CommitDigest"]?.stringValue.flatMap({ Data(base64Encoded: $0) }), Array(echoed) == digest else {
            throw CLIError("the server's CommitDigest does not match the transaction's (\(Hex.encode(digest)))")
        }
        return digest
    }

    /// Best effort: errors are ignored (the drivers do the same).
    func abort() {
        transaction = nil
        guard sessionToken != nil else { return }
        _ = try? send("AbortTransaction", .object([]))
    }

    func endSession() {
        transaction = nil
        guard sessionToken != nil else { return }
        _ = try? send("EndSession", .object([]))
        sessionToken = nil
    }

    /// Forget the session without telling the server (it is already gone).
    func dropSession() {
        sessionToken = nil
        transaction = nil
    }

    // MARK: driver-style transactions

    /// Runs `body` in a new transaction and commits it, retrying the whole
    /// transaction like the QLDB drivers: OCC conflicts and 500/503 (after an
    /// abort) and lost sessions (after a new StartSession), at most
    /// `retryLimit` times with equal-jitter backoff. A commit whose answer
    /// never arrived is not retried (its outcome is unknown).
    func run<T>(_ body: (SessionClient) throws -> T) throws -> T {
        var attempt = 0
        while true {
            var committing = false
            do {
                if sessionToken == nil { try startSession() }
                try startTransaction()
                let value = try body(self)
                committing = true
                try commit()
                return value
            } catch let e as AWSServiceError {
                attempt += 1
                let canRetry = attempt <= retryLimit
                if e.isInvalidSession {
                    dropSession()
                    guard canRetry else { throw e }
                    if attempt > 1 { RetryBackoff.sleep(attempt: attempt, baseMs: 10) }
                    continue
                }
                if e.type == "OccConflictException" {
                    transaction = nil  // a failed commit ends the transaction; pyqldb does not abort
                    guard canRetry else { throw e }
                    RetryBackoff.sleep(attempt: attempt, baseMs: 10)
                    continue
                }
                abort()
                guard canRetry, e.isRetryable else { throw e }
                RetryBackoff.sleep(attempt: attempt, baseMs: 10)
            } catch let e as ClientTransport.NetworkFailure {
                attempt += 1
                dropSession()
                if committing {
                    throw CLIError("\(e.description); the commit's outcome is unknown")
                }
                guard attempt <= retryLimit else { throw CLIError(e.description) }
                RetryBackoff.sleep(attempt: attempt, baseMs: 50)
            } catch {
                abort()
                throw error
            }
        }
    }

    static func decode(_ holder: JSONValue) throws -> IonValue {
        if let b64 = holder["IonBinary"]?.stringValue {
            guard let data = Data(base64Encoded: b64) else { throw CLIError("a result value is not valid base64") }
            let values = try Ion.read(Array(data))
            guard values.count == 1 else { throw CLIError("a result value holds \(values.count) Ion values, not 1") }
            return values[0]
        }
        if let text = holder["IonText"]?.stringValue {
            let values = try Ion.read(text)
            guard values.count == 1 else { throw CLIError("a result value holds \(values.count) Ion values, not 1") }
            return values[0]
        }
        throw CLIError("a result value has neither IonBinary nor IonText")
    }
}

/// An open transaction: its id and the running commit digest (PROTOCOL.md §1.7.3).
final class SessionTransaction {
    let id: String
    private(set) var statementCount = 0
    private var digest: [UInt8]

    init(id: String) {
        self.id = id
        digest = IonValue.string(id).ionHash
    }

    func record(_ statement: String, parameters: [IonValue]) {
        digest = QLDBHash.dot(digest, QLDBHash.statementHash(statement, parameters: parameters))
        statementCount += 1
    }

    var commitDigest: [UInt8] { digest }
}

/// What one ExecuteStatement returned, all pages together.
struct StatementResult {
    var values: [IonValue] = []
    var readIOs = 0
    var writeIOs = 0
    var processingTimeMs = 0
    var pages = 1

    mutating func add(_ result: JSONValue) {
        readIOs += result["ConsumedIOs"]?["ReadIOs"]?.intValue ?? 0
        writeIOs += result["ConsumedIOs"]?["WriteIOs"]?.intValue ?? 0
        processingTimeMs += result["TimingInformation"]?["ProcessingTimeMilliseconds"]?.intValue ?? 0
    }
}
