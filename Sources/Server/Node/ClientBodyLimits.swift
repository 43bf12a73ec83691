import QLDBWire
import Replica
import Net

/// The largest request body each kind of client request may announce, checked
/// from the headers before the body is read (`ClientRouter.shouldAccept`).
struct ClientBodyLimits {
    /// `SendCommand`: a statement of up to 100,000 characters plus parameters
    /// (each up to 128 KiB binary or 1 Mi characters of text, JSON-escaped),
    /// so the configured `http.max_body_bytes`.
    var sessionAPI: Int
    /// Control-plane JSON (ledger settings, tags, export and stream
    /// configurations) is small everywhere.
    var controlPlane = 64 * 1024
    /// `POST /ledgers/{name}/import-blocks`: up to `NodeCommand.ImportBlocks.maxBytes`
    /// of blocks, base64 in JSON.
    var importBlocks = NodeCommand.ImportBlocks.maxBytes / 3 * 4 + 64 * 1024

    func limit(for head: HTTPRequest, isSession: Bool) -> Int {
        if isSession { return sessionAPI }
        return head.method == "POST" && head.path.hasSuffix("/import-blocks") ? importBlocks : controlPlane
    }

    func tooLarge(_ length: Int, limit: Int) -> ServiceError {
        ServiceError(code: "RequestEntityTooLargeException",
                     message: "Request body is \(length) bytes; the limit is \(limit)", status: 413)
    }
}
