import Foundation

/// A small HTTP/1.1 client on one connection (plain or TLS): requests go out
/// one at a time, in order. For leader forwarding and tests. Loop thread only.
public final class HTTPClient {
    public struct Request {
        public var method: String
        public var target: String
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public init(method: String = "GET", target: String = "/", headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
            self.method = method
            self.target = target
            self.headers = headers
            self.body = body
        }
    }

    public let stream: ByteStream
    public let loop: EventLoop
    private let host: String
    private let parser: HTTPMessageParser
    private var queue: [(Request, (Result<HTTPResponse, NetError>) -> Void)] = []
    private var inFlight: ((Result<HTTPResponse, NetError>) -> Void)?
    private var closed = false
    private var timer: LoopTimer?
    /// Longest wait for a response.
    public var responseTimeout: Duration = .seconds(30)
    public var onClose: ((NetError?) -> Void)?

    init(stream: ByteStream, loop: EventLoop, host: String, maxBodyBytes: Int) {
        self.stream = stream
        self.loop = loop
        self.host = host
        parser = HTTPMessageParser(request: false, maxHeaderBytes: 64 * 1024, maxBodyBytes: maxBodyBytes)
        stream.onRead = { [unowned self] bytes in self.received(bytes) }
        stream.onClose = { error in self.streamClosed(error) }
    }

    /// Connects (over TLS when `tls` is a client context; the server is then
    /// verified against `tlsOptions`, by default its host name or IP).
    public static func connect(loop: EventLoop, host: String, port: Int, tls: TLSContext? = nil,
                               tlsOptions: TLSSessionOptions? = nil, timeout: Duration = .seconds(10),
                               maxBodyBytes: Int = 64 * 1024 * 1024,
                               _ completion: @escaping (Result<HTTPClient, NetError>) -> Void) {
        TCPConnection.connect(loop: loop, host: host, port: port, timeout: timeout) { result in
            switch result {
            case .failure(let e):
                completion(.failure(e))
            case .success(let conn):
                guard let tls else {
                    completion(.success(HTTPClient(stream: conn, loop: loop, host: host, maxBodyBytes: maxBodyBytes)))
                    return
                }
                do {
                    let t = try TLSStream(transport: conn, context: tls,
                                          options: tlsOptions ?? TLSSessionOptions(serverName: host))
                    t.onHandshake = { r in
                        switch r {
                        case .success:
                            completion(.success(HTTPClient(stream: t, loop: loop, host: host, maxBodyBytes: maxBodyBytes)))
                        case .failure(let e):
                            completion(.failure(e))
                        }
                    }
                } catch {
                    conn.close(graceful: false)
                    completion(.failure(error as? NetError ?? NetError(.tls, "\(error)")))
                }
            }
        }
    }

    public var isOpen: Bool { !closed && stream.isOpen }

    /// Sends a request; `completion` runs on the loop thread with the response
    /// or the error that ended the connection.
    public func send(_ request: Request, _ completion: @escaping (Result<HTTPResponse, NetError>) -> Void) {
        guard isOpen else {
            completion(.failure(NetError(.closed, "connection closed")))
            return
        }
        queue.append((request, completion))
        sendNext()
    }

    private func sendNext() {
        guard inFlight == nil, !queue.isEmpty, isOpen else { return }
        let (req, completion) = queue.removeFirst()
        inFlight = completion
        // The head and body in one buffer, written as bytes (string appends cost several times as much).
        var out: [UInt8] = []
        out.reserveCapacity(256 + req.body.count)
        func line(_ name: String, _ value: String) {
            out.appendUTF8(name)
            out.appendLiteral(": ")
            out.appendUTF8(value)
            out.appendLiteral("\r\n")
        }
        out.appendUTF8(req.method)
        out.append(UInt8(ascii: " "))
        out.appendUTF8(req.target)
        out.appendLiteral(" HTTP/1.1\r\n")
        // Names compared only when the lengths match (a case-insensitive compare a field costs more than the field's bytes).
        if !req.headers.contains(where: { $0.name.utf8.count == 4 && HTTPHeaders.sameName($0.name, "Host") }) {
            line("Host", host)
        }
        for (name, value) in req.headers where name.utf8.count != 14 || !HTTPHeaders.sameName(name, "Content-Length") {
            line(name, value)
        }
        if !req.body.isEmpty || req.method == "POST" || req.method == "PUT" {
            line("Content-Length", String(req.body.count))
        }
        out.appendLiteral("\r\n")
        out += req.body
        parser.expectNoBody = req.method == "HEAD"
        stream.write(out)
        let t = timer ?? LoopTimer(loop: loop)
        timer = t
        t.start(after: responseTimeout, timeout)
    }

    /// The response timer's callback: made once, not for every request.
    private lazy var timeout: () -> Void = { [weak self] in
        self?.fail(NetError(.timeout, "no response within \(self?.responseTimeout ?? .zero)"))
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < bytes.count && !closed {
            let n = parser.execute(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
            offset += n
            if let failure = parser.failure {
                fail(NetError(.http, "bad response: \(failure)"))
                return
            }
            if let message = parser.takeMessage() {
                deliver(message)
                parser.resume()
            } else if n == 0 {
                break
            }
        }
    }

    private func deliver(_ message: HTTPMessage) {
        timer?.stop()
        let completion = inFlight
        inFlight = nil
        completion?(.success(HTTPResponse(status: message.status, headers: message.headers, body: message.body)))
        if !message.keepAlive {
            close()
        } else {
            sendNext()
        }
    }

    private func fail(_ error: NetError) {
        let pending = (inFlight.map { [$0] } ?? []) + queue.map(\.1)
        inFlight = nil
        queue = []
        pending.forEach { $0(.failure(error)) }
        stream.close(graceful: false)
    }

    public func close() {
        stream.close(graceful: true)
    }

    private func streamClosed(_ error: NetError?) {
        if inFlight != nil {
            parser.finish()  // a body delimited by the close
            if let message = parser.takeMessage() { deliver(message) }
        }
        closed = true
        timer?.close()
        timer = nil
        let pending = (inFlight.map { [$0] } ?? []) + queue.map(\.1)
        inFlight = nil
        queue = []
        let e = error ?? NetError(.closed, "connection closed")
        pending.forEach { $0(.failure(e)) }
        let cb = onClose
        onClose = nil
        cb?(error)
    }
}
