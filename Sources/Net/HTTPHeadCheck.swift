/// What a handler decides about a request from its head alone, before any of
/// its body is read (`HTTPHandler.shouldAccept(_:contentLength:)`).
public enum HTTPHeadDecision {
    /// Read the body. `maxBodyBytes` lowers the server's body limit for this
    /// request (a larger value is ignored); a body past it gets 413 + close,
    /// whether announced by `Content-Length` or grown by chunks. `context` is
    /// what the check found, handed to `handle` with this request as its
    /// `headContext` so that it need not be found again (a chunked body's
    /// trailers are dropped: the headers `handle` sees are the ones checked).
    case accept(maxBodyBytes: Int?, context: (any Sendable)?)
    /// Answer this now, without reading the body, then close the connection.
    case reject(HTTPResponse)

    public static let accept = HTTPHeadDecision.accept(maxBodyBytes: nil, context: nil)

    public static func accept(maxBodyBytes: Int?) -> HTTPHeadDecision { .accept(maxBodyBytes: maxBodyBytes, context: nil) }
}

extension HTTPHandler {
    /// Accepts every request.
    public func shouldAccept(_ head: HTTPRequest, contentLength: Int?) -> HTTPHeadDecision { .accept }
}

/// The body bytes all connections of one server may hold for requests that
/// the handler has not seen yet (no one has authenticated them). A request
/// reserves its `Content-Length` when its headers are complete (a chunked
/// one reserves as its chunks arrive) and releases it when handed to the
/// handler or dropped. Loop thread only.
final class HTTPBodyBudget {
    let limit: Int
    private(set) var used = 0
    private(set) var peak = 0

    init(limit: Int) { self.limit = limit }

    /// False, reserving nothing, when `bytes` more would pass the limit.
    func reserve(_ bytes: Int) -> Bool {
        guard bytes <= limit - used else { return false }
        used += bytes
        peak = max(peak, used)
        return true
    }

    func release(_ bytes: Int) { used = max(0, used - bytes) }
}
