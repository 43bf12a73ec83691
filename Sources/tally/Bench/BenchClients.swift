import Foundation
import Ion
import Ledger
import Net
import QLDBWire

enum BenchWorkload: String, CaseIterable {
    case insert, select
}

/// What every client of one run shares (per event loop: the signer and stats).
struct BenchRunContext {
    var loop: EventLoop
    var endpoint: BenchEndpoint
    var tls: TLSContext?
    var signer: RequestSigner
    var stats: LoopStats
    var workload: BenchWorkload
    var ledger: String
    var table: String
    /// Documents `id` 0..<keys exist (select workload).
    var keys: Int
    /// No transaction starts at or after this time.
    var end: UInt64
    /// Transactions per client, at most.
    var maxTransactions: Int
    var clientIndex: Int
}

/// The connection handling shared by both protocols: one keep-alive
/// connection, reconnects (bounded) on failure. Loop thread only.
class BenchClientBase {
    let ctx: BenchRunContext
    var http: HTTPClient?
    private(set) var finished = false
    var transactions = 0
    private var reconnects = 0
    private let onFinish: () -> Void
    /// Keys for selects: SplitMix64 seeded once (the system generator is a `getrandom` call per draw).
    var rng = SeededGenerator(seed: UInt64.random(in: .min ... .max))
    static let maxReconnects = 20

    init(_ ctx: BenchRunContext, onFinish: @escaping () -> Void) {
        self.ctx = ctx
        self.onFinish = onFinish
    }

    var timeIsUp: Bool { benchNow() >= ctx.end || transactions >= ctx.maxTransactions }

    func start() { connect() }

    /// Subclasses: the connection is ready.
    func connected() {}
    /// Subclasses: wind down politely, then `finish()`.
    func stop() { finish() }

    func connect() {
        guard !timeIsUp else { finish(); return }
        HTTPClient.connect(loop: ctx.loop, host: ctx.endpoint.host, port: ctx.endpoint.port, tls: ctx.tls,
                           timeout: .seconds(10)) { [self] result in
            switch result {
            case .success(let client):
                client.responseTimeout = .seconds(20)
                http = client
                connected()
            case .failure(let e):
                ctx.stats.error("connect:\(e.kind.rawValue)")
                reconnectLater()
            }
        }
    }

    func reconnectLater() {
        http?.close()
        http = nil
        reconnects += 1
        guard reconnects <= Self.maxReconnects, !timeIsUp else { finish(); return }
        ctx.loop.scheduleTimer(after: .milliseconds(100 * min(reconnects, 10))) { [self] in connect() }
    }

    func finish() {
        guard !finished else { return }
        finished = true
        http?.close()
        http = nil
        onFinish()
    }

    enum Reply {
        /// A 200 answer that is one JSON object, its members read by path without a tree.
        case ok(JSONFields)
        /// A service error: its `__type` (or `HTTP <status>`) and message.
        case service(String, String)
        /// The connection failed; it is gone.
        case network(String)
    }

    /// Sends one request on the connection and parses the JSON answer.
    func send(method: String = "POST", target: String, headers: HTTPHeaders, body: [UInt8],
              _ completion: @escaping (Reply) -> Void) {
        guard let http else { completion(.network("net:closed")); return }
        http.send(HTTPClient.Request(method: method, target: target, headers: headers, body: body)) { result in
            switch result {
            case .failure(let e):
                completion(.network("net:\(e.kind.rawValue)"))
            case .success(let response):
                if response.status == 200, let fields = JSONFields(response.bodyBytes) {
                    return completion(.ok(fields))
                }
                let json = try? JSONValue.parse(response.bodyBytes)
                if response.status == 200 {
                    // Not one JSON object, or member names that are not plain ASCII: neither server sends those.
                    completion(.service("bad-response", json == nil ? "not JSON" : "not an object with plain member names"))
                } else {
                    var type = json?["__type"]?.stringValue ?? response.headers["x-amzn-ErrorType"] ?? "HTTP \(response.status)"
                    if let hash = type.lastIndex(of: "#") { type = String(type[type.index(after: hash)...]) }
                    if let colon = type.firstIndex(of: ":") { type = String(type[..<colon]) }
                    let message = json?["Message"]?.stringValue ?? json?["message"]?.stringValue
                        ?? json?["error"]?.stringValue ?? response.bodyText
                    completion(.service(type, message))
                }
            }
        }
    }
}

/// One QLDB client: a connection and a session, running transactions back to
/// back (StartTransaction, ExecuteStatement, CommitTransaction with the
/// commit digest) until the run ends.
final class QLDBLoadClient: BenchClientBase {
    private var token: String?
    private var txID = ""
    private var txStart: UInt64 = 0
    private var statement = ""
    private var parameter = IonValue.int(0)
    private var sequence = 0
    private let idBase: Int

    override init(_ ctx: BenchRunContext, onFinish: @escaping () -> Void) {
        // Inserted documents get ids far above the select key range.
        idBase = 1_000_000_000 + Int.random(in: 0..<1_000_000) * 1000 + ctx.clientIndex
        super.init(ctx, onFinish: onFinish)
        statement = ctx.workload == .insert ? "INSERT INTO \(ctx.table) ?" : "SELECT * FROM \(ctx.table) WHERE id = ?"
    }

    /// Sends `{"SessionToken":…,"<kind>":<arguments>}` (no token before the session starts).
    private func command(_ kind: String, _ arguments: String, _ completion: @escaping (Reply) -> Void) {
        let started = benchNow()
        var headers = HTTPHeaders()
        headers.reserveCapacity(6)
        headers.add("Content-Type", "application/x-amz-json-1.0")
        headers.add("X-Amz-Target", "QLDBSession.SendCommand")
        var body: [UInt8] = []
        body.reserveCapacity(64 + (token?.utf8.count ?? 0) + kind.utf8.count + arguments.utf8.count)
        if let token {
            body += "{\"SessionToken\":\"".utf8
            body += token.utf8
            body += "\",\"".utf8
        } else {
            body += "{\"".utf8
        }
        body += kind.utf8
        body += "\":".utf8
        body += arguments.utf8
        body.append(UInt8(ascii: "}"))
        ctx.signer.sign(method: "POST", target: "/", host: ctx.endpoint.hostHeader, headers: &headers, body: body)
        send(target: "/", headers: headers, body: body) { [ctx] reply in
            ctx.stats.request(kind, started: started, finished: benchNow())
            completion(reply)
        }
    }

    override func connected() {
        if token == nil { startSession() } else { nextTransaction() }
    }

    private func startSession() {
        guard !timeIsUp else { finish(); return }
        token = nil
        command("StartSession", "{\"LedgerName\":\"\(ctx.ledger)\"}") { [self] reply in
            switch reply {
            case .ok(let json):
                guard let t = json.string("StartSession", "SessionToken") else {
                    ctx.stats.error("bad-response:StartSession")
                    return finish()
                }
                token = t
                nextTransaction()
            case .service(let type, _):
                ctx.stats.error("StartSession:\(type)")
                // Back off a little and retry (bounded by the run's end).
                ctx.loop.scheduleTimer(after: .milliseconds(50)) { [self] in startSession() }
            case .network(let e):
                ctx.stats.error(e)
                reconnectLater()
            }
        }
    }

    private func nextTransaction() {
        guard !timeIsUp else { return stop() }
        transactions += 1
        txStart = benchNow()
        command("StartTransaction", "{}") { [self] reply in
            switch reply {
            case .ok(let json):
                guard let id = json.string("StartTransaction", "TransactionId") else {
                    ctx.stats.error("bad-response:StartTransaction")
                    return nextTransaction()
                }
                txID = id
                execute()
            default:
                failed(reply)
            }
        }
    }

    private func makeParameter() -> IonValue {
        sequence += 1
        switch ctx.workload {
        case .select:
            return .int(Int.random(in: 0..<max(1, ctx.keys), using: &rng))
        case .insert:
            let id = idBase + sequence * 1000
            return .struct([
                ("id", .int(id)),
                ("name", .string("bench-client-\(ctx.clientIndex)")),
                ("amount", .int(sequence)),
                ("currency", .string("EUR")),
                ("note", .string("load generator document \(sequence)")),
            ])
        }
    }

    private func execute() {
        parameter = makeParameter()
        let b64 = Base64.encode(Ion.writeBinary([parameter]))
        command("ExecuteStatement", "{\"TransactionId\":\"\(txID)\",\"Statement\":\"\(statement)\",\"Parameters\":[{\"IonBinary\":\"\(b64)\"}]}") { [self] reply in
            switch reply {
            case .ok(let json):
                if ctx.workload == .select {
                    let rows = json.arrayCount("ExecuteStatement", "FirstPage", "Values")
                    if rows != 1 { ctx.stats.anomaly("select-rows-\(rows ?? -1)") }
                }
                commit()
            default:
                failed(reply)
            }
        }
    }

    private func commit() {
        let digest = QLDBHash.commitDigest(transactionID: txID, statements: [(text: statement, parameters: [parameter])])
        let b64 = Base64.encode(digest)
        command("CommitTransaction", "{\"TransactionId\":\"\(txID)\",\"CommitDigest\":\"\(b64)\"}") { [self] reply in
            switch reply {
            case .ok(let json):
                let echoed = json.string("CommitTransaction", "CommitDigest")
                if echoed != b64 {
                    ctx.stats.error("client:digest-echo-mismatch")
                } else {
                    ctx.stats.committed(started: txStart, finished: benchNow())
                }
                nextTransaction()
            default:
                // A failed commit (OCC conflict, …) ends the transaction server-side.
                failed(reply)
            }
        }
    }

    private func failed(_ reply: Reply) {
        switch reply {
        case .ok:
            nextTransaction()
        case .network(let e):
            ctx.stats.error(e)
            reconnectLater()
        case .service(let type, _):
            ctx.stats.error(type)
            if type == "InvalidSessionException" {
                return startSession()
            }
            // Abort whatever may be open (success when nothing is), then go on;
            // back off a little when the server says it is overloaded.
            let pause = type == "RateExceededException" || type == "CapacityExceededException" || type.hasPrefix("HTTP 5")
            command("AbortTransaction", "{}") { [self] r in
                if case .network = r { return reconnectLater() }
                if pause {
                    ctx.loop.scheduleTimer(after: .milliseconds(10)) { [self] in nextTransaction() }
                } else {
                    nextTransaction()
                }
            }
        }
    }

    override func stop() {
        guard token != nil, http != nil else { return finish() }
        command("EndSession", "{}") { [self] _ in
            token = nil
            finish()
        }
    }
}

/// The etcd comparison: the same client and connection handling, against
/// etcd's v3 JSON gateway. insert = one `PUT` of a fresh key (Raft + WAL
/// fsync), select = a linearizable `range` of one existing key.
final class EtcdLoadClient: BenchClientBase {
    private var sequence = 0
    private var opStart: UInt64 = 0
    private let value: String

    override init(_ ctx: BenchRunContext, onFinish: @escaping () -> Void) {
        let doc = "{\"id\":0,\"name\":\"bench-client-\(ctx.clientIndex)\",\"amount\":0,\"currency\":\"EUR\",\"note\":\"load generator document\"}"
        value = Data(doc.utf8).base64EncodedString()
        super.init(ctx, onFinish: onFinish)
    }

    static func key(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    override func connected() { next() }

    private func next() {
        guard !timeIsUp else { return stop() }
        transactions += 1
        sequence += 1
        opStart = benchNow()
        var headers = HTTPHeaders()
        headers.add("Host", ctx.endpoint.hostHeader)
        headers.add("Content-Type", "application/json")
        let target: String
        let body: String
        switch ctx.workload {
        case .insert:
            target = "/v3/kv/put"
            body = "{\"key\":\"\(Self.key("bench/c\(ctx.clientIndex)/\(sequence)"))\",\"value\":\"\(value)\"}"
        case .select:
            target = "/v3/kv/range"
            body = "{\"key\":\"\(Self.key("bench/id/\(Int.random(in: 0..<max(1, ctx.keys), using: &rng))"))\"}"
        }
        send(target: target, headers: headers, body: Array(body.utf8)) { [self] reply in
            switch reply {
            case .ok(let json):
                if ctx.workload == .select {
                    let rows = json.arrayCount("kvs")
                    if rows != 1 { ctx.stats.anomaly("range-rows-\(rows ?? 0)") }
                }
                ctx.stats.committed(started: opStart, finished: benchNow())
                next()
            case .service(let type, _):
                ctx.stats.error("etcd:\(type)")
                ctx.loop.scheduleTimer(after: .milliseconds(10)) { [self] in next() }
            case .network(let e):
                ctx.stats.error(e)
                reconnectLater()
            }
        }
    }
}
