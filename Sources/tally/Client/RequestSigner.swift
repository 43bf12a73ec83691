import Net
import QLDBWire

/// The client's signer: `SigV4Signer` over the CLI's credentials and `HTTPHeaders`.
typealias RequestSigner = SigV4Signer

extension SigV4Signer {
    convenience init(credentials: ClientCredentials, region: String) {
        self.init(accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey,
                  sessionToken: credentials.sessionToken, region: region)
    }

    func sign(method: String, target: String, host: String, headers: inout HTTPHeaders, body: [UInt8]) {
        var entries = headers.entries
        sign(method: method, target: target, host: host, headers: &entries, body: body)
        headers = HTTPHeaders(entries: entries)
    }
}
