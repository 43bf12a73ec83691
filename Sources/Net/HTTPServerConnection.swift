import Foundation

/// Serves HTTP/1.1 on one `ByteStream` (TCP, TLS, or an in-memory fake):
/// parses requests one at a time, hands each to the handler, writes the
/// response, and enforces the limits and timeouts. Loop thread only.
public final class HTTPServerConnection {
    enum Phase { case awaitingFirstRequest, idle, headers, body, handling, writing, closing, closed }

    public let stream: ByteStream
    let loop: EventLoop
    let configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    private let parser: HTTPMessageParser
    private let timer: LoopTimer
    private(set) var phase: Phase = .awaitingFirstRequest
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    private var processing = false
    private var pausedForPipeline = false
    private var streaming: (source: HTTPBodySource, chunked: Bool, close: Bool)?
    private let bodyBudget: HTTPBodyBudget
    /// Bytes of `bodyBudget` this connection holds for the request being read.
    private var reservedBodyBytes = 0
    /// A chunked body reserves its bytes as they arrive.
    private var reservesPerChunk = false
    /// The handler's answer to a head it refused, and that head.
    private var refusal: (response: HTTPResponse, head: HTTPRequest)?
    /// What the head check of the message being read returned with `.accept` (its headers are
    /// fixed once the head is complete: the parser drops trailers).
    private var headContext: (any Sendable)?

    /// Called once the connection has closed.
    var onClosed: ((HTTPServerConnection) -> Void)?
    /// Called when the connection has answered a request and waits for the
    /// next with nothing buffered either way: the moment it may move to
    /// another loop (`detachForMove`).
    var onIdle: ((HTTPServerConnection) -> Void)?
    var onStats: ((inout HTTPServerStats) -> Void) -> Void = { _ in }
    public private(set) var requestsServed = 0
    public private(set) var peakPendingWriteBytes = 0

    public convenience init(stream: ByteStream, loop: EventLoop, configuration: HTTPServerConfiguration,
                            handler: HTTPHandler) {
        self.init(stream: stream, loop: loop, configuration: configuration, handler: handler,
                  bodyBudget: HTTPBodyBudget(limit: configuration.maxBufferedBodyBytes))
    }

    /// `resumed`: a connection that served requests on another loop and
    /// moved here between two of them (it waits as idle, not as new).
    init(stream: ByteStream, loop: EventLoop, configuration: HTTPServerConfiguration, handler: HTTPHandler,
         bodyBudget: HTTPBodyBudget, resumed: Bool = false) {
        self.stream = stream
        self.loop = loop
        self.configuration = configuration
        self.handler = handler
        self.bodyBudget = bodyBudget
        parser = HTTPMessageParser(request: true, maxHeaderBytes: configuration.maxHeaderBytes,
                                   maxBodyBytes: configuration.maxBodyBytes)
        timer = LoopTimer(loop: loop)
        parser.onMessageBegin = { [unowned self] in self.messageBegan() }
        parser.onHeadersComplete = { [unowned self] head, length in self.headersCompleted(head, contentLength: length) }
        parser.onBody = { [unowned self] n in !self.reservesPerChunk || self.reserveBody(n) }
        stream.onRead = { [unowned self] bytes in self.received(bytes) }
        stream.onWritable = { [unowned self] in self.writable() }
        stream.onClose = { _ in self.streamClosed() }  // strong: keeps us alive while open
        if resumed {
            phase = .idle
            arm(configuration.idleTimeout)
        } else {
            arm(configuration.headerTimeout)
        }
    }

    /// Idle between requests, nothing buffered to parse or to write, on a TCP
    /// socket (directly or under TLS): it can move to another loop.
    var isMovable: Bool {
        guard phase == .idle, !processing, bufferStart >= buffer.count, !pausedForPipeline,
              stream.pendingWriteBytes == 0 else { return false }
        return stream is TCPConnection || (stream as? TLSStream)?.transport is TCPConnection
    }

    /// Lets go of the stream (`isMovable` must hold): no callback, timer or
    /// close of this connection's will touch it again.
    func detachForMove() -> ByteStream {
        precondition(isMovable, "a connection moves only when idle with nothing buffered")
        phase = .closed
        timer.close()
        parser.onMessageBegin = nil
        parser.onHeadersComplete = nil
        parser.onBody = nil
        stream.onRead = nil
        stream.onWritable = nil
        stream.onClose = nil
        onClosed = nil
        onIdle = nil
        return stream
    }

    // MARK: input

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard phase != .closing, phase != .closed else { return }
        buffer.append(contentsOf: bytes)
        if buffer.count - bufferStart > configuration.maxBufferedBytes && !pausedForPipeline {
            pausedForPipeline = true
            stream.pauseReading()
        }
        process()
        if isMovable { onIdle?(self) }  // answered at once, while parsing
    }

    /// Parses buffered bytes until a request is in flight or bytes run out.
    private func process() {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while phase != .handling && phase != .writing && phase != .closing && phase != .closed
                && bufferStart < buffer.count {
            let consumed = buffer.withUnsafeBytes { all in
                parser.execute(UnsafeRawBufferPointer(rebasing: all[bufferStart...]))
            }
            bufferStart += consumed
            if let failure = parser.failure {
                reject(failure)
                return
            }
            if let message = parser.takeMessage() {
                dispatch(message)
            } else if consumed == 0 {
                break
            }
        }
        if bufferStart >= buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            bufferStart = 0
        } else if bufferStart > 64 * 1024 {
            buffer.removeFirst(bufferStart)
            bufferStart = 0
        }
        if pausedForPipeline && buffer.count - bufferStart <= configuration.maxBufferedBytes / 2 {
            pausedForPipeline = false
            stream.resumeReading()
        }
    }

    private func messageBegan() {
        if phase == .idle { arm(configuration.headerTimeout) }  // the first request keeps its open-time deadline
        phase = .headers
        headContext = nil
    }

    /// Asks the handler about the head, then reserves the announced body in
    /// the server-wide budget. False stops the parser (`.refused`).
    private func headersCompleted(_ head: HTTPMessage, contentLength: Int?) -> Bool {
        phase = .body
        arm(configuration.bodyTimeout)
        let request = HTTPRequest(method: head.method, target: head.url, headers: head.headers,
                                  versionMajor: head.versionMajor, versionMinor: head.versionMinor,
                                  keepAlive: false, remoteAddress: stream.remoteAddress)
        switch handler.shouldAccept(request, contentLength: contentLength) {
        case .reject(let response):
            refusal = (response, request)
            onStats { $0.rejectedHeads += 1 }
            return false
        case .accept(let limit, let context):
            if let limit { parser.bodyLimit = min(parser.bodyLimit, max(0, limit)) }
            headContext = context
        }
        if let n = contentLength {
            if n > parser.bodyLimit { return true }  // the parser answers 413
            reservesPerChunk = false
            guard reserveBody(n) else { return false }
        } else {
            reservesPerChunk = true
        }
        if head.headers["Expect"]?.lowercased() == "100-continue" && head.versionMinor >= 1 {
            stream.write("HTTP/1.1 100 Continue\r\n\r\n")
        }
        return true
    }

    private func reserveBody(_ bytes: Int) -> Bool {
        guard bodyBudget.reserve(bytes) else {
            onStats { $0.bodyBudgetRefusals += 1 }
            return false
        }
        reservedBodyBytes += bytes
        let peak = bodyBudget.peak
        onStats { $0.peakBufferedBodyBytes = max($0.peakBufferedBodyBytes, peak) }
        return true
    }

    private func releaseBody() {
        bodyBudget.release(reservedBodyBytes)
        reservedBodyBytes = 0
        reservesPerChunk = false
    }

    private func dispatch(_ message: HTTPMessage) {
        phase = .handling
        timer.stop()
        releaseBody()
        onStats { $0.requests += 1 }
        var request = HTTPRequest(method: message.method, target: message.url, headers: message.headers,
                                  body: message.body, versionMajor: message.versionMajor,
                                  versionMinor: message.versionMinor, keepAlive: message.keepAlive,
                                  remoteAddress: stream.remoteAddress)
        request.headContext = headContext
        headContext = nil
        handler.handle(request, respond: PendingReply(connection: self, request: request).respond)
    }

    // MARK: output

    /// Content-Length, Transfer-Encoding and Connection: the server writes these itself.
    /// Whether a byte of `text` matches, read through its contiguous UTF-8 (not `utf8`'s index).
    private static func contains(_ text: String, _ match: (UInt8) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { $0.contains(where: match) }
    }

    static func isFramingField(_ name: String) -> Bool {
        switch name.utf8.count {
        case 14: return HTTPHeaders.sameName(name, "content-length")
        case 17: return HTTPHeaders.sameName(name, "transfer-encoding")
        case 10: return HTTPHeaders.sameName(name, "connection")
        default: return false
        }
    }

    fileprivate func send(_ response: HTTPResponse, to request: HTTPRequest) {
        guard phase == .handling else { return }  // closed meanwhile
        requestsServed += 1
        let close = !request.keepAlive || response.headers["Connection"]?.lowercased() == "close"
        let isHead = request.method == "HEAD"
        // The head is written straight into bytes (string interpolation cost ≈ 30,000 instructions a response).
        var out: [UInt8] = []
        if case .bytes(let b) = response.body { out.reserveCapacity(256 + b.count) }
        out.appendLiteral("HTTP/1.1 ")
        out.appendUTF8(String(response.status))
        out.append(UInt8(ascii: " "))
        out.appendUTF8(HTTPResponse.reason(response.status))
        out.appendLiteral("\r\n")
        for (name, value) in response.headers {
            if Self.isFramingField(name) { continue }
            // No response splitting: a field with CR or LF is dropped.
            if Self.contains(name, { $0 == 13 || $0 == 10 || $0 == 58 }) || Self.contains(value, { $0 == 13 || $0 == 10 }) {
                continue
            }
            out.appendUTF8(name)
            out.appendLiteral(": ")
            out.appendUTF8(value)
            out.appendLiteral("\r\n")
        }
        var chunked = false
        switch response.body {
        case .bytes(let b):
            out.appendLiteral("Content-Length: ")
            out.appendUTF8(String(b.count))
            out.appendLiteral("\r\n")
        case .stream(let source):
            if let n = source.length {
                out.appendLiteral("Content-Length: ")
                out.appendUTF8(String(n))
                out.appendLiteral("\r\n")
            } else {
                out.appendLiteral("Transfer-Encoding: chunked\r\n")
                chunked = true
            }
        }
        if close {
            out.appendLiteral("Connection: close\r\n")
        } else if request.versionMinor == 0 {
            out.appendLiteral("Connection: keep-alive\r\n")
        }
        out.appendLiteral("\r\n")
        switch response.body {
        case .bytes(let b):
            if !isHead { out += b }
            stream.write(out)
            notePending()
            finishResponse(close: close)
        case .stream(let source):
            stream.write(out)
            notePending()
            if isHead {
                finishResponse(close: close)
            } else {
                phase = .writing
                streaming = (source, chunked, close)
                pump()
            }
        }
    }

    /// Writes streamed body chunks while the stream is writable.
    private func pump() {
        guard phase == .writing, let s = streaming else { return }
        while stream.isWritable {
            guard let chunk = s.source.nextChunk(maxBytes: configuration.streamChunkSize), !chunk.isEmpty else {
                if s.chunked { stream.write("0\r\n\r\n") }
                streaming = nil
                finishResponse(close: s.close)
                return
            }
            if s.chunked {
                stream.write(Array("\(String(chunk.count, radix: 16))\r\n".utf8) + chunk + [13, 10])
            } else {
                stream.write(chunk)
            }
            notePending()
        }
        if stream.isOpen { arm(configuration.idleTimeout) }  // the client must keep reading
    }

    private func writable() {
        if phase == .writing { pump() }
    }

    private func notePending() {
        let p = stream.pendingWriteBytes
        if p > peakPendingWriteBytes {
            peakPendingWriteBytes = p
            onStats { $0.peakPendingWriteBytes = max($0.peakPendingWriteBytes, p) }
        }
    }

    private func finishResponse(close: Bool) {
        if close {
            beginClose()
            return
        }
        phase = .idle
        arm(configuration.idleTimeout)
        parser.resume()
        process()
        if isMovable { onIdle?(self) }
    }

    /// Answers a request the parser refused, then closes.
    /// Answers a request the parser refused, then closes. Its body is not
    /// read any further.
    private func reject(_ failure: HTTPMessageParser.Failure) {
        releaseBody()
        let status: Int
        switch failure {
        case .malformed: status = 400
        case .headersTooLarge: status = 431
        case .bodyTooLarge: status = 413
        case .refused:
            if let (response, head) = refusal {
                refusal = nil
                phase = .handling
                send(response, to: head)  // head.keepAlive is false: closes after
            } else {
                writeErrorAndClose(503, extraHeaders: "Retry-After: 1\r\n")  // body budget in use
            }
            return
        }
        onStats { $0.badRequests += 1 }
        writeErrorAndClose(status)
    }

    private func writeErrorAndClose(_ status: Int, extraHeaders: String = "") {
        let body = "\(HTTPResponse.reason(status))\n"
        stream.write("HTTP/1.1 \(status) \(HTTPResponse.reason(status))\r\nContent-Type: text/plain\r\n"
                     + extraHeaders
                     + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        beginClose()
    }

    private func beginClose() {
        phase = .closing
        streaming = nil
        arm(configuration.idleTimeout)  // a graceful close still may not hang forever
        stream.close(graceful: true)
    }

    // MARK: timers

    private func arm(_ after: Duration) {
        timer.start(after: after, timeout)
    }

    /// `timedOut`, as the timer's callback: made once, not at every arming.
    private lazy var timeout: () -> Void = { [unowned self] in self.timedOut() }

    private func timedOut() {
        switch phase {
        case .headers, .body:
            onStats { $0.timeouts += 1 }
            writeErrorAndClose(408)
        case .awaitingFirstRequest:
            onStats { $0.timeouts += 1 }
            phase = .closing
            stream.close(graceful: false)
        case .idle:
            phase = .closing
            stream.close(graceful: true)
        case .writing, .closing:
            onStats { $0.timeouts += 1 }
            stream.close(graceful: false)
        case .handling, .closed:
            break
        }
    }

    /// Closes the connection now (server stop).
    public func close() {
        guard phase != .closed else { return }
        phase = .closing
        stream.close(graceful: false)
    }

    private func streamClosed() {
        phase = .closed
        streaming = nil
        releaseBody()
        refusal = nil
        headContext = nil
        timer.close()
        parser.onMessageBegin = nil
        parser.onHeadersComplete = nil
        parser.onBody = nil
        let cb = onClosed
        onClosed = nil
        cb?(self)
    }
}

/// One request's answer: sent once, on the connection's loop, whichever thread
/// the handler answers on (a second answer is dropped). One object a request,
/// where a closure with a captured flag made three.
private final class PendingReply {
    let connection: HTTPServerConnection
    let request: HTTPRequest
    /// Loop thread only.
    private var answered = false

    init(connection: HTTPServerConnection, request: HTTPRequest) {
        self.connection = connection
        self.request = request
    }

    func respond(_ response: HTTPResponse) {
        if connection.loop.inEventLoop {
            deliver(response)
        } else {
            connection.loop.execute { self.deliver(response) }
        }
    }

    private func deliver(_ response: HTTPResponse) {
        guard !answered else { return }
        answered = true
        connection.send(response, to: request)
    }
}
