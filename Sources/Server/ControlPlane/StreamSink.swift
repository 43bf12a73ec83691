import Foundation
import Replica
import Ion
import Net
#if canImport(Glibc)
import Glibc
#endif

/// Where a stream's records go, as the operator configured it (`StreamSinks`):
/// * a file inside the stream root — records appended as Ion text, one per line, fsynced per batch;
/// * an http(s) URL — each batch POSTed as Ion text lines (`Content-Type: text/x-amzn-ion`); any 2xx is success.
/// With `AggregationEnabled` the lines are aggregated Kinesis records instead (`StreamRecords.aggregatedLines`,
/// `Content-Type: application/json`).
public enum StreamSink: Equatable, Sendable {
    case file(root: String, relative: String)
    case http(host: String, port: Int, tls: Bool, target: String)

    init?(url: String) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), !url.utf8.contains(0),
              let parsed = URL(string: url), let host = parsed.host, !host.isEmpty else { return nil }
        let tls = parsed.scheme == "https"
        var target = parsed.path.isEmpty ? "/" : parsed.path
        if let q = parsed.query { target += "?" + q }
        self = .http(host: host, port: parsed.port ?? (tls ? 443 : 80), tls: tls, target: target)
    }

    /// Appends the records durably to a file sink, confined to its root.
    static func append(_ bytes: [UInt8], root: String, relative: String) throws {
        let fd = try ConfinedPath.openForAppend(root: root, relative: relative)
        defer { close(fd) }
        let path = root + "/" + relative
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw DurableFile.IOError(operation: "write", path: path, code: errno)
            }
            offset += n
        }
        guard fsync(fd) == 0 else { throw DurableFile.IOError(operation: "fsync", path: path, code: errno) }
    }

    /// QLDB's `ErrorCause` for a failed delivery: `IAM_PERMISSION_REVOKED` when the
    /// sink refused us (EACCES/EPERM/EROFS, HTTP 401/403), else `KINESIS_STREAM_NOT_FOUND`.
    static func errorCause(_ error: Error) -> String {
        if let e = error as? DurableFile.IOError, [EACCES, EPERM, EROFS].contains(e.code) { return "IAM_PERMISSION_REVOKED" }
        if let e = error as? HTTPStatusError, e.status == 401 || e.status == 403 { return "IAM_PERMISSION_REVOKED" }
        return "KINESIS_STREAM_NOT_FOUND"
    }

    struct HTTPStatusError: Error, CustomStringConvertible {
        var status: Int
        var description: String { "sink answered HTTP \(status)" }
    }

    /// POSTs one batch on a fresh connection (batches are rare and large).
    static func post(_ bytes: [UInt8], contentType: String, host: String, port: Int, tls: Bool, target: String, loop: EventLoop,
                     completion: @escaping (Error?) -> Void) {
        var context: TLSContext?
        if tls {
            do {
                context = try TLSContext(.client(trustRoots: .file(StreamSink.systemCABundle)), role: .client)
            } catch {
                completion(error)
                return
            }
        }
        HTTPClient.connect(loop: loop, host: host, port: port, tls: context) { result in
            switch result {
            case .failure(let e):
                completion(e)
            case .success(let client):
                var headers = HTTPHeaders()
                headers.add("Content-Type", contentType)
                client.send(HTTPClient.Request(method: "POST", target: target, headers: headers, body: bytes)) { r in
                    client.close()
                    switch r {
                    case .success(let response) where (200..<300).contains(response.status): completion(nil)
                    case .success(let response): completion(HTTPStatusError(status: response.status))
                    case .failure(let e): completion(e)
                    }
                }
            }
        }
    }

    static var systemCABundle: String {
        ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"]
            .first { FileManager.default.fileExists(atPath: $0) } ?? "/etc/ssl/certs/ca-certificates.crt"
    }
}
