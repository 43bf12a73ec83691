import Foundation
import Net
import QLDBWire

/// QLDB's control plane (`qldb`, REST JSON; PROTOCOL.md §2), signed with
/// SigV4. Every call is synchronous; service errors throw `AWSServiceError`.
final class ControlPlaneClient {
    let settings: ClientSettings
    private let transport: ClientTransport
    private let signer: RequestSigner
    /// Attempts for a 503 (the node could not serve: no leader yet, …) or, on
    /// reads, a lost connection.
    var maxAttempts = 5

    init(settings: ClientSettings) throws {
        self.settings = settings
        transport = try ClientTransport(endpoint: settings.controlEndpoint, caBundle: settings.caBundle)
        signer = RequestSigner(credentials: settings.credentials, region: settings.region)
    }

    static func label(_ s: String) -> String { SigV4Canonical.uriEncode(s, keepSlash: false) }

    /// One operation. `body == nil` sends no body and no Content-Type, as botocore does.
    @discardableResult
    func call(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil) throws -> JSONValue {
        var target = path
        if !query.isEmpty {
            target += "?" + query.map { Self.label($0.0) + "=" + Self.label($0.1) }.joined(separator: "&")
        }
        let bytes = body.map { Array($0.text.utf8) } ?? []
        var attempt = 0
        while true {
            attempt += 1
            var headers = HTTPHeaders()
            if body != nil { headers.set("Content-Type", "application/json") }
            headers.set("User-Agent", "tally-cli/\(Tally.version)")
            signer.sign(method: method, target: settings.controlEndpoint.basePath + target,
                        host: settings.controlEndpoint.hostHeader, headers: &headers, body: bytes)
            let response: HTTPResponse
            do {
                response = try transport.send(method: method, target: target, headers: headers, body: bytes)
            } catch let failure as ClientTransport.NetworkFailure {
                if method == "GET", attempt < maxAttempts {
                    RetryBackoff.sleep(attempt: attempt)
                    continue
                }
                throw CLIError(failure.description)
            }
            if response.status == 200 {
                let data = response.bodyBytes
                if data.isEmpty || data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }) { return .object([]) }
                do {
                    return try JSONValue.parse(data)
                } catch {
                    throw CLIError("\(method) \(path): malformed JSON answer: \(error)")
                }
            }
            let error = AWSServiceError(response: response)
            if error.status == 503, attempt < maxAttempts {
                RetryBackoff.sleep(attempt: attempt)
                continue
            }
            throw error
        }
    }

    // MARK: ledgers

    func createLedger(name: String, permissionsMode: String, deletionProtection: Bool?,
                      kmsKey: String? = nil, tags: [String: String] = [:]) throws -> LedgerDescription {
        var members: [(String, JSONValue)] = [("Name", .string(name)), ("PermissionsMode", .string(permissionsMode))]
        if let deletionProtection { members.append(("DeletionProtection", .bool(deletionProtection))) }
        if let kmsKey { members.append(("KmsKey", .string(kmsKey))) }
        if !tags.isEmpty {
            members.append(("Tags", .object(tags.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        return LedgerDescription(json: try call("POST", "/ledgers", body: .object(members)))
    }

    func describeLedger(name: String) throws -> LedgerDescription {
        LedgerDescription(json: try call("GET", "/ledgers/\(Self.label(name))"))
    }

    /// Every ledger, following `NextToken`.
    func listLedgers(pageSize: Int = 100) throws -> [LedgerSummary] {
        var out: [LedgerSummary] = []
        var token: String?
        repeat {
            var query = [("max_results", String(pageSize))]
            if let token { query.append(("next_token", token)) }
            let page = try call("GET", "/ledgers", query: query)
            for l in page["Ledgers"]?.arrayValue ?? [] {
                out.append(LedgerSummary(name: l["Name"]?.stringValue ?? "", state: l["State"]?.stringValue ?? "?",
                                         creationDateTime: l["CreationDateTime"]?.doubleValue))
            }
            token = page["NextToken"]?.stringValue
        } while token != nil
        return out
    }

    func updateLedger(name: String, deletionProtection: Bool?, kmsKey: String? = nil) throws -> LedgerDescription {
        var members: [(String, JSONValue)] = []
        if let deletionProtection { members.append(("DeletionProtection", .bool(deletionProtection))) }
        if let kmsKey { members.append(("KmsKey", .string(kmsKey))) }
        return LedgerDescription(json: try call("PATCH", "/ledgers/\(Self.label(name))", body: .object(members)))
    }

    func deleteLedger(name: String) throws {
        try call("DELETE", "/ledgers/\(Self.label(name))")
    }

    // MARK: verification

    func getDigest(name: String) throws -> LedgerDigest {
        let json = try call("POST", "/ledgers/\(Self.label(name))/digest")
        guard let b64 = json["Digest"]?.stringValue, let digest = Data(base64Encoded: b64),
              let tip = json["DigestTipAddress"]?.ionText else {
            throw CLIError("GetDigest answer lacks Digest or DigestTipAddress: \(json.text)")
        }
        return LedgerDigest(digest: Array(digest), tipAddress: tip)
    }

    func getBlock(name: String, blockAddress: String, digestTipAddress: String?) throws -> ProvenValue {
        var members: [(String, JSONValue)] = [("BlockAddress", .object([("IonText", .string(blockAddress))]))]
        if let digestTipAddress { members.append(("DigestTipAddress", .object([("IonText", .string(digestTipAddress))]))) }
        let json = try call("POST", "/ledgers/\(Self.label(name))/block", body: .object(members))
        guard let block = json["Block"]?.ionText else { throw CLIError("GetBlock answer lacks Block.IonText") }
        return ProvenValue(ionText: block, proofIonText: json["Proof"]?.ionText)
    }

    func getRevision(name: String, blockAddress: String, documentId: String, digestTipAddress: String?) throws -> ProvenValue {
        var members: [(String, JSONValue)] = [("BlockAddress", .object([("IonText", .string(blockAddress))])),
                                              ("DocumentId", .string(documentId))]
        if let digestTipAddress { members.append(("DigestTipAddress", .object([("IonText", .string(digestTipAddress))]))) }
        let json = try call("POST", "/ledgers/\(Self.label(name))/revision", body: .object(members))
        guard let revision = json["Revision"]?.ionText else { throw CLIError("GetRevision answer lacks Revision.IonText") }
        return ProvenValue(ionText: revision, proofIonText: json["Proof"]?.ionText)
    }

    // MARK: exports

    func exportJournalToS3(name: String, inclusiveStart: Double, exclusiveEnd: Double, bucket: String, prefix: String,
                           roleArn: String, outputFormat: String? = nil,
                           encryption: String = "NO_ENCRYPTION") throws -> String {
        var members: [(String, JSONValue)] = [
            ("InclusiveStartTime", .number(Self.number(inclusiveStart))),
            ("ExclusiveEndTime", .number(Self.number(exclusiveEnd))),
            ("S3ExportConfiguration", .object([
                ("Bucket", .string(bucket)), ("Prefix", .string(prefix)),
                ("EncryptionConfiguration", .object([("ObjectEncryptionType", .string(encryption))])),
            ])),
            ("RoleArn", .string(roleArn)),
        ]
        if let outputFormat { members.append(("OutputFormat", .string(outputFormat))) }
        let json = try call("POST", "/ledgers/\(Self.label(name))/journal-s3-exports", body: .object(members))
        guard let id = json["ExportId"]?.stringValue else { throw CLIError("ExportJournalToS3 answer lacks ExportId") }
        return id
    }

    func describeJournalS3Export(name: String, exportId: String) throws -> ExportDescription {
        let json = try call("GET", "/ledgers/\(Self.label(name))/journal-s3-exports/\(Self.label(exportId))")
        guard let d = json["ExportDescription"] else { throw CLIError("DescribeJournalS3Export answer lacks ExportDescription") }
        return ExportDescription(json: d)
    }

    /// Epoch seconds with millisecond precision, as JSON number text.
    static func number(_ seconds: Double) -> String {
        let ms = Int64((seconds * 1000).rounded())
        return JSONValue.seconds(ms: ms).text
    }
}
