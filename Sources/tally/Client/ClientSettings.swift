import Foundation

/// Where and as whom the CLI talks to Tally, from the same environment the
/// AWS SDKs read:
///
/// | setting | variables (first set wins) |
/// |---|---|
/// | control plane | `AWS_ENDPOINT_URL_QLDB`, `AWS_ENDPOINT_URL` |
/// | session API | `AWS_ENDPOINT_URL_QLDB_SESSION`, `AWS_ENDPOINT_URL`, then the control-plane URL (Tally serves both on one port) |
/// | CA bundle | `AWS_CA_BUNDLE`, else the system bundle |
/// | credentials | `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, else `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials` |
/// | region | `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1` |
struct ClientSettings {
    var controlEndpoint: ClientEndpoint
    var sessionEndpoint: ClientEndpoint
    /// PEM file of the CA(s) the server certificate must chain to (HTTPS only).
    var caBundle: String?
    var credentials: ClientCredentials
    var region: String

    static let systemCABundles = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
    ]

    static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment,
                                endpointOverride: String? = nil) throws -> ClientSettings {
        func value(_ names: String...) -> String? {
            for n in names { if let v = env[n], !v.trimmingCharacters(in: .whitespaces).isEmpty { return v } }
            return nil
        }
        let controlURL = endpointOverride ?? value("AWS_ENDPOINT_URL_QLDB", "AWS_ENDPOINT_URL")
        let sessionURL = endpointOverride ?? value("AWS_ENDPOINT_URL_QLDB_SESSION", "AWS_ENDPOINT_URL") ?? controlURL
        guard let controlText = controlURL ?? sessionURL, let sessionText = sessionURL else {
            throw CLIError("no endpoint: set AWS_ENDPOINT_URL_QLDB and AWS_ENDPOINT_URL_QLDB_SESSION "
                + "(or AWS_ENDPOINT_URL), e.g. `source cluster/local/env`")
        }
        let control = try ClientEndpoint(url: controlText)
        let session = try ClientEndpoint(url: sessionText)
        var ca = value("AWS_CA_BUNDLE")
        if ca == nil, control.tls || session.tls {
            ca = systemCABundles.first { FileManager.default.fileExists(atPath: $0) }
        }
        if let ca, !FileManager.default.isReadableFile(atPath: ca) {
            throw CLIError("AWS_CA_BUNDLE \(ca) is not a readable file")
        }
        return ClientSettings(controlEndpoint: control, sessionEndpoint: session, caBundle: ca,
                              credentials: try ClientCredentials.resolve(environment: env),
                              region: value("AWS_REGION", "AWS_DEFAULT_REGION") ?? "us-east-1")
    }
}
