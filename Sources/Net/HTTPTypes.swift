/// HTTP header fields in arrival order; names compare case-insensitively
/// (a parsed message's names are in lower case).
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [(name: String, value: String)] = []
    /// True while every name is known to be lower case: the HTTP parser
    /// lower-cases the names it reads (so SigV4 need not again); `add` and the
    /// initialisers that take names make no such promise.
    public private(set) var namesAreLowerCase = true

    public init() {}
    public init(_ pairs: [(String, String)]) {
        entries = pairs.map { (name: $0.0, value: $0.1) }
        namesAreLowerCase = entries.isEmpty
    }
    public init(entries: [(name: String, value: String)]) {
        self.entries = entries
        namesAreLowerCase = entries.isEmpty
    }
    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    public static func == (a: HTTPHeaders, b: HTTPHeaders) -> Bool {
        a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0 == $1 }
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        if namesAreLowerCase, let wanted = Self.asciiLowerCased(name) { return entries.first { $0.name == wanted }?.value }
        return entries.first { HTTPHeaders.sameName($0.name, name) }?.value
    }

    public func values(_ name: String) -> [String] {
        if namesAreLowerCase, let wanted = Self.asciiLowerCased(name) { return entries.filter { $0.name == wanted }.map(\.value) }
        return entries.filter { HTTPHeaders.sameName($0.name, name) }.map(\.value)
    }

    /// `name` with A–Z lower-cased, or nil when it is not ASCII. Against names
    /// the parser lower-cased (tokens: ASCII only) one `==` a field then decides
    /// what `sameName` would.
    static func asciiLowerCased(_ name: String) -> String? {
        var text = name
        let (ascii, upper) = text.withUTF8 { bytes in
            var any: UInt8 = 0, upper = false
            for b in bytes {
                any |= b
                upper = upper || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            }
            return (any < 0x80, upper)
        }
        guard ascii else { return nil }
        guard upper else { return name }
        return text.withUTF8 { bytes in
            String(unsafeUninitializedCapacity: bytes.count) { out in
                for i in bytes.indices {
                    out[i] = bytes[i] >= UInt8(ascii: "A") && bytes[i] <= UInt8(ascii: "Z") ? bytes[i] | 0x20 : bytes[i]
                }
                return bytes.count
            }
        }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    public mutating func add(_ name: String, _ value: String) {
        entries.append((name: name, value: value))
        namesAreLowerCase = false
    }

    /// `add` for a name the caller has lower-cased (the parser).
    mutating func addLowerCased(_ name: String, _ value: String) {
        assert(!name.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }, "\(name) is not lower case")
        entries.append((name: name, value: value))
    }

    public mutating func reserveCapacity(_ n: Int) { entries.reserveCapacity(n) }

    /// Replaces every `name` field with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        entries.removeAll { HTTPHeaders.sameName($0.name, name) }
    }

    /// Whether two field names are the same, ignoring ASCII case, without
    /// allocating (field names are ASCII tokens; other text compares lower-cased).
    public static func sameName(_ a: String, _ b: String) -> Bool {
        var (a, b) = (a, b)
        let ascii: Bool? = a.withUTF8 { x in
            b.withUTF8 { y in
                var any: UInt8 = 0
                for p in x { any |= p }
                for q in y { any |= q }
                guard any < 0x80 else { return nil }
                guard x.count == y.count else { return false }
                for i in 0..<x.count where x[i] != y[i] {
                    let (p, q) = (x[i] | 0x20, y[i] | 0x20)
                    guard p == q, p >= UInt8(ascii: "a"), p <= UInt8(ascii: "z") else { return false }
                }
                return true
            }
        }
        return ascii ?? (a.lowercased() == b.lowercased())
    }

    public var count: Int { entries.count }
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { entries.makeIterator() }
}

public struct HTTPRequest: Sendable {
    public var method: String
    /// The request target as sent: path and query.
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var versionMajor: Int
    public var versionMinor: Int
    /// Whether the connection stays open after the response (HTTP/1.1 default).
    public var keepAlive: Bool
    public var remoteAddress: String?
    /// What the handler's `shouldAccept` found in this request's head (`HTTPHeadDecision.accept`).
    public var headContext: (any Sendable)?

    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                versionMajor: Int = 1, versionMinor: Int = 1, keepAlive: Bool = true, remoteAddress: String? = nil) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.keepAlive = keepAlive
        self.remoteAddress = remoteAddress
    }

    /// The target up to its first `?`: the target itself (no copy) when it has no query.
    public var path: String {
        guard let i = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        return String(target[..<i])
    }

    /// After the first `?` byte (URI syntax is bytes: a combining mark after it does not hide it).
    public var query: String? {
        guard let i = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return String(target[target.utf8.index(after: i)...])
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// A response body produced on demand, so a large one never sits in memory
/// whole: the server pulls chunks only while the connection is writable.
public protocol HTTPBodySource: AnyObject {
    /// Total length if known (sent as Content-Length); nil sends it chunked.
    var length: Int? { get }
    /// Up to `maxBytes` more bytes; nil (or empty) at the end.
    func nextChunk(maxBytes: Int) -> [UInt8]?
}

public enum HTTPBody {
    case bytes([UInt8])
    case stream(HTTPBodySource)
}

public struct HTTPResponse {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: HTTPBody

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = .bytes(body)
    }

    public init(status: Int = 200, headers: HTTPHeaders = HTTPHeaders(), stream: HTTPBodySource) {
        self.status = status
        self.headers = headers
        self.body = .stream(stream)
    }

    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
    }

    /// The body bytes (empty for a streamed body).
    public var bodyBytes: [UInt8] {
        if case .bytes(let b) = body { return b }
        return []
    }

    public var bodyText: String { String(decoding: bodyBytes, as: UTF8.self) }

    public static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Payload Too Large"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Status \(status)"
        }
    }
}

/// Answers requests, possibly later (after a Raft commit): call `respond`
/// exactly once, from any thread. Requests on one connection are handled one
/// at a time, in order.
public protocol HTTPHandler {
    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void)
    /// Called on the loop thread when a request's headers are complete, before
    /// its body is read: `head` has an empty body; `contentLength` is nil for a
    /// chunked body (or none). The default accepts everything.
    func shouldAccept(_ head: HTTPRequest, contentLength: Int?) -> HTTPHeadDecision
}

/// An `HTTPHandler` from a closure.
public struct HTTPHandlerFunction: HTTPHandler {
    let body: (HTTPRequest, @escaping (HTTPResponse) -> Void) -> Void
    public init(_ body: @escaping (HTTPRequest, @escaping (HTTPResponse) -> Void) -> Void) { self.body = body }
    public func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) { body(request, respond) }
}
