import Foundation
import Ion
import Net

/// Blocking request/response on one connection, for setup (not timed).
/// Call from the main thread only.
final class BenchSetupClient {
    let loop: EventLoop
    let endpoint: BenchEndpoint
    let tls: TLSContext?
    let signer: RequestSigner?
    private var http: HTTPClient?
    private var token: String?

    init(loop: EventLoop, endpoint: BenchEndpoint, tls: TLSContext?, signer: RequestSigner?) {
        self.loop = loop
        self.endpoint = endpoint
        self.tls = tls
        self.signer = signer
    }

    private final class Box: @unchecked Sendable { var value: Result<HTTPResponse, NetError>? }

    /// One request; reconnects once if the kept-alive connection went away.
    func request(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: String = "",
                 timeout: Int = 30) throws -> HTTPResponse {
        let bytes = Array(body.utf8)
        for attempt in 0..<2 {
            let done = DispatchSemaphore(value: 0)
            let box = Box()
            loop.execute { [self] in
                var h = headers
                if let signer {
                    signer.sign(method: method, target: target, host: endpoint.hostHeader, headers: &h, body: bytes)
                } else {
                    h.set("Host", endpoint.hostHeader)
                }
                let request = HTTPClient.Request(method: method, target: target, headers: h, body: bytes)
                let go: (HTTPClient) -> Void = { c in
                    c.send(request) { r in box.value = r; done.signal() }
                }
                if let http, http.isOpen { return go(http) }
                HTTPClient.connect(loop: loop, host: endpoint.host, port: endpoint.port, tls: tls,
                                   timeout: .seconds(10)) { [self] r in
                    switch r {
                    case .success(let c):
                        c.responseTimeout = .seconds(Int64(timeout))
                        http = c
                        go(c)
                    case .failure(let e):
                        box.value = .failure(e)
                        done.signal()
                    }
                }
            }
            guard done.wait(timeout: .now() + .seconds(timeout + 12)) == .success, let result = box.value else {
                throw CLIError("\(method) \(target): no answer within \(timeout) s")
            }
            switch result {
            case .success(let response): return response
            case .failure(let e):
                if attempt == 1 || e.kind == .tls || e.kind == .verification { throw CLIError("\(method) \(target): \(e)") }
            }
        }
        throw CLIError("unreachable")
    }

    func close() {
        let done = DispatchSemaphore(value: 0)
        loop.execute { [self] in http?.close(); http = nil; done.signal() }
        _ = done.wait(timeout: .now() + 5)
    }

    static func json(_ r: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.bodyBytes))) as? [String: Any] ?? [:]
    }

    // MARK: QLDB control plane

    /// Creates the ledger if it does not exist and waits until it is ACTIVE.
    func ensureLedger(_ name: String, timeout: TimeInterval = 60) throws {
        var h = HTTPHeaders()
        h.add("Content-Type", "application/json")
        let deadline = Date().addingTimeInterval(timeout)
        var created = false
        while Date() < deadline {
            let r = try request(method: "GET", target: "/ledgers/\(name)", headers: h)
            let body = Self.json(r)
            if r.status == 200 {
                let state = body["State"] as? String ?? "?"
                if state == "ACTIVE" { return }
                if state == "DELETING" || state == "DELETED" { throw CLIError("ledger \(name) is \(state)") }
            } else if r.status == 404, !created {
                let c = try request(method: "POST", target: "/ledgers", headers: h,
                                    body: "{\"Name\":\"\(name)\",\"PermissionsMode\":\"ALLOW_ALL\",\"DeletionProtection\":false}")
                guard c.status == 200 || c.status == 409 else {
                    throw CLIError("CreateLedger \(name): HTTP \(c.status) \(c.bodyText)")
                }
                created = true
                print("created ledger \(name)")
            } else if r.status != 404 {
                throw CLIError("DescribeLedger \(name): HTTP \(r.status) \(r.bodyText)")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw CLIError("ledger \(name) not ACTIVE within \(Int(timeout)) s")
    }

    // MARK: QLDB session

    private func command(_ json: String) throws -> [String: Any] {
        var h = HTTPHeaders()
        h.add("Content-Type", "application/x-amz-json-1.0")
        h.add("X-Amz-Target", "QLDBSession.SendCommand")
        let body = token.map { "{\"SessionToken\":\"\($0)\",\(json)}" } ?? "{\(json)}"
        let r = try request(method: "POST", target: "/", headers: h, body: body)
        let j = Self.json(r)
        guard r.status == 200 else {
            throw SessionFailure(type: j["__type"] as? String ?? "HTTP \(r.status)",
                                 message: j["Message"] as? String ?? r.bodyText)
        }
        return j
    }

    struct SessionFailure: Error, CustomStringConvertible {
        var type: String
        var message: String
        var description: String { "\(type): \(message)" }
    }

    func startSession(ledger: String) throws {
        token = nil
        let j = try command("\"StartSession\":{\"LedgerName\":\"\(ledger)\"}")
        guard let t = (j["StartSession"] as? [String: Any])?["SessionToken"] as? String else {
            throw CLIError("StartSession: no SessionToken")
        }
        token = t
    }

    func endSession() {
        guard token != nil else { return }
        _ = try? command("\"EndSession\":{}")
        token = nil
    }

    /// One committed transaction; returns each statement's result values.
    @discardableResult
    func transaction(_ statements: [(text: String, parameters: [IonValue])]) throws -> [[IonValue]] {
        let start = try command("\"StartTransaction\":{}")
        guard let tx = (start["StartTransaction"] as? [String: Any])?["TransactionId"] as? String else {
            throw CLIError("StartTransaction: no TransactionId")
        }
        var results: [[IonValue]] = []
        do {
            for s in statements {
                let params = s.parameters.map { "{\"IonBinary\":\"\(Data(Ion.writeBinary([$0])).base64EncodedString())\"}" }
                let j = try command("\"ExecuteStatement\":{\"TransactionId\":\"\(tx)\",\"Statement\":\"\(s.text)\",\"Parameters\":[\(params.joined(separator: ","))]}")
                let values = ((j["ExecuteStatement"] as? [String: Any])?["FirstPage"] as? [String: Any])?["Values"] as? [[String: Any]] ?? []
                results.append(try values.flatMap { v -> [IonValue] in
                    guard let b = v["IonBinary"] as? String, let d = Data(base64Encoded: b) else { return [] }
                    return try Ion.read(Array(d))
                })
            }
            let digest = Data(QLDBHash.commitDigest(transactionID: tx, statements: statements)).base64EncodedString()
            _ = try command("\"CommitTransaction\":{\"TransactionId\":\"\(tx)\",\"CommitDigest\":\"\(digest)\"}")
        } catch {
            _ = try? command("\"AbortTransaction\":{}")
            throw error
        }
        return results
    }

    /// Table + index on `id`; with `keys` > 0, documents with id 0..<keys (select workload).
    func prepareTable(ledger: String, table: String, keys: Int) throws {
        try startSession(ledger: ledger)
        defer { endSession() }
        do {
            try transaction([(text: "CREATE TABLE \(table)", parameters: [])])
            try transaction([(text: "CREATE INDEX ON \(table) (id)", parameters: [])])
            print("created table \(table) with an index on id")
        } catch let e as SessionFailure where e.message.contains("already exists") {
            // Made by an earlier run (with its index).
        }
        guard keys > 0 else { return }
        let probe = try transaction([(text: "SELECT * FROM \(table) WHERE id = ?", parameters: [.int(keys - 1)])])
        if probe.first?.isEmpty == false { return }
        print("loading \(keys) documents for the select workload…")
        let batch = 40  // QLDB: at most 40 documents written per transaction
        var next = 0
        while next < keys {
            let ids = next..<min(keys, next + batch)
            try transaction(ids.map { id in
                (text: "INSERT INTO \(table) ?", parameters: [IonValue.struct([
                    ("id", .int(id)), ("name", .string("seed-\(id)")), ("amount", .int(id)),
                    ("currency", .string("EUR")), ("note", .string("select workload document")),
                ])])
            })
            next = ids.upperBound
        }
    }

    // MARK: etcd

    func etcdSeed(keys: Int) throws {
        var h = HTTPHeaders()
        h.add("Content-Type", "application/json")
        let last = try request(method: "POST", target: "/v3/kv/range", headers: h,
                               body: "{\"key\":\"\(EtcdLoadClient.key("bench/id/\(keys - 1)"))\"}")
        guard last.status == 200 else { throw CLIError("etcd range: HTTP \(last.status) \(last.bodyText)") }
        if (Self.json(last)["kvs"] as? [Any])?.isEmpty == false { return }
        print("loading \(keys) keys into etcd for the select workload…")
        let value = Data("{\"id\":0,\"name\":\"seed\",\"amount\":0,\"currency\":\"EUR\",\"note\":\"select workload document\"}".utf8).base64EncodedString()
        for id in 0..<keys {
            let r = try request(method: "POST", target: "/v3/kv/put", headers: h,
                                body: "{\"key\":\"\(EtcdLoadClient.key("bench/id/\(id)"))\",\"value\":\"\(value)\"}")
            guard r.status == 200 else { throw CLIError("etcd put: HTTP \(r.status) \(r.bodyText)") }
        }
    }
}
