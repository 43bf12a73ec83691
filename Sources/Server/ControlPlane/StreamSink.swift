import Foundation
import Ion
import Net
#if canImport(Glibc)
import Glibc
#endif

/// Where a stream's records go, from `KinesisConfiguration.StreamArn`:
/// * `file:///abs/path` — records appended as Ion text, one per line, fsynced per batch;
/// * `http://host:port/path` or `https://…` — each batch POSTed as Ion text lines
///   (`Content-Type: text/x-amzn-ion`); any 2xx is success;
/// * `arn:aws:kinesis:<region>:<account>:stream/<name>` — the file `<exportRoot>/kinesis/<name>.ion`.
enum StreamSink: Equatable {
    case file(String)
    case http(host: String, port: Int, tls: Bool, target: String)

    init?(streamArn: String, exportRoot: String) {
        if streamArn.hasPrefix("file://") {
            let path = String(streamArn.dropFirst("file://".count)).removingPercentEncoding ?? ""
            guard path.hasPrefix("/"), !path.hasSuffix("/"), !path.split(separator: "/").contains("..") else { return nil }
            self = .file(path)
        } else if streamArn.hasPrefix("http://") || streamArn.hasPrefix("https://") {
            guard let url = URL(string: streamArn), let host = url.host, !host.isEmpty else { return nil }
            let tls = url.scheme == "https"
            var target = url.path.isEmpty ? "/" : url.path
            if let q = url.query { target += "?" + q }
            self = .http(host: host, port: url.port ?? (tls ? 443 : 80), tls: tls, target: target)
        } else if streamArn.hasPrefix("arn:aws:kinesis:"), let r = streamArn.range(of: ":stream/") {
            let name = String(streamArn[r.upperBound...])
            guard !name.isEmpty, !name.contains("/"), name != "..", name != "." else { return nil }
            self = .file(exportRoot + "/kinesis/" + name + ".ion")
        } else {
            return nil
        }
    }

    /// Appends the records durably (file sink).
    static func append(_ bytes: [UInt8], to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw DurableFile.IOError(operation: "open", path: path, code: errno) }
        defer { close(fd) }
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

    /// POSTs one batch on a fresh connection (batches are rare and large).
    static func post(_ bytes: [UInt8], host: String, port: Int, tls: Bool, target: String, loop: EventLoop,
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
                headers.add("Content-Type", "text/x-amzn-ion")
                client.send(HTTPClient.Request(method: "POST", target: target, headers: headers, body: bytes)) { r in
                    client.close()
                    switch r {
                    case .success(let response) where (200..<300).contains(response.status): completion(nil)
                    case .success(let response): completion(NodeCodingError("sink answered HTTP \(response.status)"))
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
