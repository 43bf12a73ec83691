import Foundation
import Ion
import Logging
import Net

/// SIGHUP (`tally node`): re-read the credentials file and the TLS
/// certificate, key and CA files without dropping anything. New client
/// connections get the new certificate and new requests are verified against
/// the new credentials; new peer links (after a reconnect) use the new peer
/// certificate; open connections and sessions carry on. A file that does not
/// load leaves that part as it was, and the error is logged.
extension Node {
    public struct ReloadOutcome: Sendable {
        public var credentials: String
        public var tls: String
        public var ok: Bool
    }

    /// Any thread; returns once the reload ran on the loop.
    @discardableResult
    public func reload() -> ReloadOutcome {
        (try? loop.submit { self.reloadOnLoop() }) ?? ReloadOutcome(credentials: "not reloaded", tls: "not reloaded (node stopping)", ok: false)
    }

    private func reloadOnLoop() -> ReloadOutcome {
        var outcome = ReloadOutcome(credentials: "not used (auth mode none)", tls: "not used", ok: true)
        if let store = credentialStore {
            do {
                let change = try store.reload()
                outcome.credentials = change.isEmpty ? "unchanged" : "changed"
                NodeLog.node.notice("reloaded credentials", metadata: [
                    "file": "\(store.path)", "keys": "\(change.total)", "added": "\(change.added.joined(separator: ","))",
                    "removed": "\(change.removed.joined(separator: ","))", "changed": "\(change.changed.joined(separator: ","))"])
            } catch {
                outcome.ok = false
                outcome.credentials = "kept (error: \(error))"
                NodeLog.node.error("credentials reload failed; keeping the credentials in use", metadata: [
                    "file": "\(store.path)", "error": "\(error)"])
            }
        }
        if let tls = config.tls {
            do {
                let client = try makeClientTLS()
                try driver.transport.reloadTLS()
                replaceClientTLS(client)
                outcome.tls = "reloaded"
                NodeLog.node.notice("reloaded TLS certificate", metadata: [
                    "cert": "\(tls.certificateFile)", "cert_sha256": "\(Node.fileFingerprint(tls.certificateFile))",
                    "ca": "\(tls.caFile ?? "-")", "applies_to": "new client connections and new peer links"])
            } catch {
                outcome.ok = false
                outcome.tls = "kept (error: \(error))"
                NodeLog.node.error("TLS reload failed; keeping the certificate in use", metadata: [
                    "cert": "\(tls.certificateFile)", "error": "\(error)"])
            }
        }
        return outcome
    }

    /// The first 16 hex digits of the file's SHA-256 (which certificate file is in use), or "unreadable".
    static func fileFingerprint(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "unreadable" }
        return LedgerStatusReport.hex(Array(SHA256.hash(Array(data)).prefix(8)))
    }
}
