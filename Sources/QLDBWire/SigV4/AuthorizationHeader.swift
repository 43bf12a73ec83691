/// `Authorization: AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request,
/// SignedHeaders=a;b;c, Signature=hex`, parsed.
public struct SigV4Authorization: Equatable, Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var accessKeyID: String
    public var date: String
    public var region: String
    public var service: String
    public var terminator: String
    public var signedHeaders: [String]
    public var signature: String

    /// `yyyymmdd/region/service/aws4_request`.
    public var scope: String { [date, region, service, terminator].joined(separator: "/") }

    /// Parses the header value; failures are AWS's `IncompleteSignatureException`.
    public static func parse(_ header: String) throws -> SigV4Authorization {
        let trimmed = header.drop(while: { $0 == " " })
        guard let space = trimmed.firstIndex(of: " ") else {
            if trimmed == algorithm { throw incomplete(["Credential", "Signature", "SignedHeaders"], header) }
            throw ServiceError.incompleteSignature(
                "Unsupported AWS 'algorithm': '\(trimmed)'. Authorization=\(header)")
        }
        let alg = trimmed[..<space]
        guard alg == algorithm else {
            throw ServiceError.incompleteSignature("Unsupported AWS 'algorithm': '\(alg)'. Authorization=\(header)")
        }
        var fields: [String: String] = [:]
        for component in trimmed[space...].split(separator: ",") {
            let part = component.trimmingSpaces
            guard !part.isEmpty else { continue }
            guard let eq = part.firstIndex(of: "=") else {
                throw ServiceError.incompleteSignature(
                    "Authorization header requires each component to be of the form key=value. Authorization=\(header)")
            }
            let key = String(part[..<eq])
            guard fields[key] == nil else {
                throw ServiceError.incompleteSignature(
                    "Authorization header has duplicate '\(key)' parameter. Authorization=\(header)")
            }
            fields[key] = String(part[part.index(after: eq)...])
        }
        let missing = ["Credential", "Signature", "SignedHeaders"].filter { (fields[$0] ?? "").isEmpty }
        guard missing.isEmpty else { throw incomplete(missing, header) }
        let credential = fields["Credential"]!.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard credential.count == 5, credential.allSatisfy({ !$0.isEmpty }) else {
            throw ServiceError.incompleteSignature(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                + "got '\(fields["Credential"]!)'")
        }
        let signedHeaders = fields["SignedHeaders"]!.split(separator: ";", omittingEmptySubsequences: false)
            .map { String($0).lowercased() }
        guard signedHeaders.allSatisfy({ !$0.isEmpty }) else {
            throw ServiceError.incompleteSignature("SignedHeaders contains an empty header name. Authorization=\(header)")
        }
        return SigV4Authorization(accessKeyID: credential[0], date: credential[1], region: credential[2],
                                  service: credential[3], terminator: credential[4],
                                  signedHeaders: signedHeaders, signature: fields["Signature"]!)
    }

    private static func incomplete(_ missing: [String], _ header: String) -> ServiceError {
        .incompleteSignature(missing.map { "Authorization header requires '\($0)' parameter." }
            .joined(separator: " ") + " Authorization=\(header)")
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}
