import Foundation
import Net

/// Synchronous HTTP(S) to one endpoint over a kept-alive connection on a
/// private event loop (the blocking style of `BlockingHTTP`, plus TLS and
/// request bodies). A request that fails because the connection went away
/// is not resent here; callers decide what is safe to retry. Calls may come
/// from any thread but run one at a time.
final class ClientTransport {
    let endpoint: ClientEndpoint
    var timeout: Duration = .seconds(30)
    private let loop: EventLoop
    private let tls: TLSContext?
    private let lock = NSLock()
    private var client: HTTPClient?  // loop thread only

    init(endpoint: ClientEndpoint, caBundle: String?) throws {
        self.endpoint = endpoint
        if endpoint.tls {
            guard let caBundle else {
                throw CLIError("\(endpoint) is HTTPS but no CA bundle was found: set AWS_CA_BUNDLE")
            }
            do {
                tls = try TLSContext(.client(trustRoots: .file(caBundle)), role: .client)
            } catch {
                throw CLIError("cannot load CA bundle \(caBundle): \(error)")
            }
        } else {
            tls = nil
        }
        loop = try EventLoop(name: "tally-client")
        loop.start()
    }

    deinit {
        let loop = self.loop
        let c = client
        loop.execute { c?.close() }
        loop.shutdown()
    }

    struct NetworkFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Sends one request; throws `NetworkFailure` when no response arrived.
    func send(method: String, target: String, headers: HTTPHeaders, body: [UInt8]) throws -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        let done = DispatchSemaphore(value: 0)
        let box = Box()
        let request = HTTPClient.Request(method: method, target: endpoint.basePath + target, headers: headers, body: body)
        let timeout = self.timeout
        loop.execute { [self] in
            withClient { result in
                switch result {
                case .failure(let e):
                    box.result = .failure(NetworkFailure(description: "cannot connect to \(self.endpoint): \(e)"))
                    done.signal()
                case .success(let http):
                    http.responseTimeout = timeout
                    http.send(request) { r in
                        switch r {
                        case .success(let response):
                            box.result = .success(response)
                        case .failure(let e):
                            self.client = nil
                            box.result = .failure(NetworkFailure(description: "\(self.endpoint): \(e)"))
                        }
                        done.signal()
                    }
                }
            }
        }
        let seconds = Int(timeout.components.seconds) + 15
        if done.wait(timeout: .now() + .seconds(seconds)) == .timedOut {
            loop.execute { [self] in client?.close(); client = nil }
            throw NetworkFailure(description: "\(endpoint): no response within \(seconds) s")
        }
        return try box.result!.get()
    }

    /// Loop thread: the open connection, or a new one.
    private func withClient(_ body: @escaping (Result<HTTPClient, NetError>) -> Void) {
        if let client, client.isOpen {
            body(.success(client))
            return
        }
        client = nil
        HTTPClient.connect(loop: loop, host: endpoint.host, port: endpoint.port, tls: tls,
                           timeout: .seconds(10)) { [self] result in
            if case .success(let c) = result {
                client = c
                c.onClose = { [weak self, weak c] _ in
                    if let self, self.client === c { self.client = nil }
                }
            }
            body(result)
        }
    }

    private final class Box: @unchecked Sendable {
        var result: Result<HTTPResponse, Error>?
    }
}
