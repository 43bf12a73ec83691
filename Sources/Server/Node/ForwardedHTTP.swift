import Checksum
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
        var w = ByteWriter()
        put(request.method, &w)
        put(request.target, &w)
        putHeaders(request.headers, &w)
        put(request.body, &w)
        put(request.remoteAddress ?? "", &w)
        return w.bytes
    }

    static func encode(_ response: HTTPResponse) -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(clamping: response.status))
        putHeaders(response.headers, &w)
        put(response.bodyBytes, &w)
        return w.bytes
    }

    static func decodeRequest(_ bytes: [UInt8]) -> HTTPRequest? {
        var r = ByteReader(bytes)
        guard let method = try? string(&r), let target = try? string(&r), let headers = try? headers(&r),
              let body = try? field(&r), let remote = try? string(&r), r.isAtEnd else { return nil }
        return HTTPRequest(method: method, target: target, headers: headers, body: body,
                           remoteAddress: remote.isEmpty ? nil : remote)
    }

    static func decodeResponse(_ bytes: [UInt8]) -> HTTPResponse? {
        var r = ByteReader(bytes)
        guard let status = try? r.u32(), let headers = try? headers(&r), let body = try? field(&r), r.isAtEnd,
              (100...599).contains(status) else { return nil }
        return HTTPResponse(status: Int(status), headers: headers, body: body)
    }

    private static func put(_ bytes: [UInt8], _ w: inout ByteWriter) {
        w.u32(UInt32(bytes.count))
        w.raw(bytes)
    }

    private static func put(_ text: String, _ w: inout ByteWriter) { put(Array(text.utf8), &w) }

    private static func putHeaders(_ headers: HTTPHeaders, _ w: inout ByteWriter) {
        w.u32(UInt32(headers.count))
        for h in headers {
            put(h.name, &w)
            put(h.value, &w)
        }
    }

    private struct Malformed: Error {}

    private static func field(_ r: inout ByteReader) throws -> [UInt8] { try r.raw(Int(try r.u32())) }

    private static func string(_ r: inout ByteReader) throws -> String {
        guard let s = String(validating: try field(&r), as: UTF8.self) else { throw Malformed() }
        return s
    }

    private static func headers(_ r: inout ByteReader) throws -> HTTPHeaders {
        let n = try r.u32()
        guard n <= 10_000 else { throw Malformed() }
        var h = HTTPHeaders()
        for _ in 0..<n { h.add(try string(&r), try string(&r)) }
        return h
    }
}
