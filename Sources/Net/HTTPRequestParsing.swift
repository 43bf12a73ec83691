/// The request parser without a socket: for the fuzz target and tests.
public enum HTTPRequestParsing {
    /// One request as `HTTPMessageParser` hands it to the server.
    public struct Request: Equatable, Sendable {
        public var method: String
        public var url: String
        public var headers: HTTPHeaders
        public var body: [UInt8]
        public var versionMajor: Int
        public var versionMinor: Int
        public var keepAlive: Bool
        public var upgrade: Bool
    }

    /// Feeds `bytes` in pieces of `chunk` bytes (0: all at once) the way
    /// `HTTPServerConnection` does — execute, take a completed message,
    /// resume — and returns the requests parsed and the failure that stopped
    /// parsing, if any.
    public static func parse(_ bytes: [UInt8], chunk: Int = 0, maxHeaderBytes: Int = 16 * 1024,
                             maxBodyBytes: Int = 1024 * 1024) -> (requests: [Request], failure: String?) {
        let parser = HTTPMessageParser(request: true, maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
        var requests: [Request] = []
        var buffer: [UInt8] = []
        var start = 0
        var fed = 0
        let step = chunk > 0 ? chunk : max(bytes.count, 1)
        repeat {
            let end = min(fed + step, bytes.count)
            buffer.append(contentsOf: bytes[fed..<end])
            fed = end
            while start < buffer.count {
                let consumed = buffer.withUnsafeBytes { parser.execute(UnsafeRawBufferPointer(rebasing: $0[start...])) }
                start += consumed
                if let failure = parser.failure { return (requests, "\(failure)") }
                if let m = parser.takeMessage() {
                    requests.append(Request(method: m.method, url: m.url, headers: m.headers, body: m.body,
                                            versionMajor: m.versionMajor, versionMinor: m.versionMinor,
                                            keepAlive: m.keepAlive, upgrade: m.upgrade))
                    if m.upgrade { return (requests, nil) }  // no more HTTP on this connection
                    parser.resume()
                } else if consumed == 0 {
                    break
                }
            }
        } while fed < bytes.count
        return (requests, nil)
    }
}
