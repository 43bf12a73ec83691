import Net

/// An HTTP request or response carried over the peer link when a follower
/// forwards a client's request to the leader. Layout (integers big-endian):
/// request  = str method, str target, u32 headerCount, (str name, str value)*, bytes body, str remoteAddress
/// response = u32 status, u32 headerCount, (str name, str value)*, bytes body
/// where str/bytes = u32 length + bytes. Anything malformed decodes to nil.
enum ForwardedHTTP {
    /// Set by the leader on a forwarded session response (the command and the
    /// session's ledger) for the follower's metrics; the follower removes them.
    static let commandHeader = "X-Tally-Forwarded-Command"
    static let ledgerHeader = "X-Tally-Forwarded-Ledger"

    static func encode(_ request: HTTPRequest) -> [UInt8] {
        var out: [UInt8] = []
        put(request.method, &out)
        put(request.target, &out)
        putHeaders(request.headers, &out)
        put(request.body, &out)
        put(request.remoteAddress ?? "", &out)
        return out
    }

    static func encode(_ response: HTTPResponse) -> [UInt8] {
        var out: [UInt8] = []
        putU32(UInt32(clamping: response.status), &out)
        putHeaders(response.headers, &out)
        put(response.bodyBytes, &out)
        return out
    }

    static func decodeRequest(_ bytes: [UInt8]) -> HTTPRequest? {
        var r = Reader(bytes: bytes)
        guard let method = r.string(), let target = r.string(), let headers = r.headers(),
              let body = r.bytes(), let remote = r.string(), r.atEnd else { return nil }
        return HTTPRequest(method: method, target: target, headers: headers, body: body,
                           remoteAddress: remote.isEmpty ? nil : remote)
    }

    static func decodeResponse(_ bytes: [UInt8]) -> HTTPResponse? {
        var r = Reader(bytes: bytes)
        guard let status = r.u32(), let headers = r.headers(), let body = r.bytes(), r.atEnd,
              (100...599).contains(status) else { return nil }
        return HTTPResponse(status: Int(status), headers: headers, body: body)
    }

    private static func putU32(_ v: UInt32, _ out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    private static func put(_ bytes: [UInt8], _ out: inout [UInt8]) {
        putU32(UInt32(bytes.count), &out)
        out += bytes
    }

    private static func put(_ text: String, _ out: inout [UInt8]) { put(Array(text.utf8), &out) }

    private static func putHeaders(_ headers: HTTPHeaders, _ out: inout [UInt8]) {
        putU32(UInt32(headers.count), &out)
        for h in headers {
            put(h.name, &out)
            put(h.value, &out)
        }
    }

    private struct Reader {
        let data: [UInt8]
        var at = 0

        init(bytes: [UInt8]) { data = bytes }

        var atEnd: Bool { at == data.count }

        mutating func u32() -> UInt32? {
            guard data.count - at >= 4 else { return nil }
            defer { at += 4 }
            return data[at..<at + 4].reduce(0) { $0 << 8 | UInt32($1) }
        }

        mutating func bytes() -> [UInt8]? {
            guard let n = u32(), data.count - at >= Int(n) else { return nil }
            defer { at += Int(n) }
            return Array(data[at..<at + Int(n)])
        }

        mutating func string() -> String? {
            guard let b = bytes() else { return nil }
            return String(validating: b, as: UTF8.self)
        }

        mutating func headers() -> HTTPHeaders? {
            guard let n = u32(), n <= 10_000 else { return nil }
            var h = HTTPHeaders()
            for _ in 0..<n {
                guard let name = string(), let value = string() else { return nil }
                h.add(name, value)
            }
            return h
        }
    }
}
