import Foundation
import Ion

/// A digest saved by `tally digest --save` for a later `tally verify`, or the
/// JSON `aws qldb get-digest` printed (then `ledger` is empty).
///
/// Ion text (JSON when the file name ends in `.json`; JSON is read as Ion):
/// `{ledger: "L", digest: "<64 hex digits>", digestTipAddress: "{strandId:\"…\",sequenceNo:N}",
///   savedAt: "2024-…Z", endpoint: "https://…"}`.
/// The tip is kept as the exact Ion text the server sent.
struct SavedDigest {
    var ledger: String
    var digest: [UInt8]
    var tipAddress: String
    var savedAt: String
    var endpoint: String?

    func write(to path: String) throws {
        var text: String
        if path.lowercased().hasSuffix(".json") {
            var members: [(String, String)] = [
                ("ledger", ledger), ("digest", Hex.encode(digest)), ("digestTipAddress", tipAddress), ("savedAt", savedAt),
            ]
            if let endpoint { members.append(("endpoint", endpoint)) }
            text = "{\n" + members.map { "  \(Self.jsonString($0.0)): \(Self.jsonString($0.1))" }.joined(separator: ",\n") + "\n}\n"
        } else {
            var fields: [(String, IonValue)] = [
                ("ledger", .string(ledger)), ("digest", .string(Hex.encode(digest))),
                ("digestTipAddress", .string(tipAddress)), ("savedAt", .string(savedAt)),
            ]
            if let endpoint { fields.append(("endpoint", .string(endpoint))) }
            text = Ion.writeText([.struct(fields)], pretty: true) + "\n"
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    static func load(path: String) throws -> SavedDigest {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read digest file \(path)") }
        let values: [IonValue]
        do { values = try Ion.read(Array(data)) } catch { throw CLIError("digest file \(path) is not Ion or JSON: \(error)") }
        guard values.count == 1, case .struct = values[0].content else {
            throw CLIError("digest file \(path) must hold one struct")
        }
        let v = values[0]
        if v[field: "Digest"] != nil { return try awsGetDigest(v, path: path) }
        func string(_ name: String) throws -> String {
            guard case .string(let s)? = v[field: name]?.content else {
                throw CLIError("digest file \(path): missing string field \(name)")
            }
            return s
        }
        let hex = try string("digest")
        guard let digest = Hex.decode(hex.lowercased()), digest.count == 32 else {
            throw CLIError("digest file \(path): digest must be 64 hex digits")
        }
        var tip: String
        if case .struct = v[field: "digestTipAddress"]?.content {
            tip = Ion.writeText([v[field: "digestTipAddress"]!])
        } else {
            tip = try string("digestTipAddress")
        }
        var endpoint: String?
        if case .string(let e)? = v[field: "endpoint"]?.content { endpoint = e }
        let savedAt: String
        if case .string(let s)? = v[field: "savedAt"]?.content { savedAt = s } else { savedAt = "?" }
        return SavedDigest(ledger: try string("ledger"), digest: digest, tipAddress: tip, savedAt: savedAt, endpoint: endpoint)
    }

    /// The JSON `aws qldb get-digest` prints: `{"Digest": "<base64>", "DigestTipAddress": {"IonText": "…"}}`
    /// (it names no ledger).
    static func awsGetDigest(_ v: IonValue, path: String) throws -> SavedDigest {
        let digest: [UInt8]?
        switch v[field: "Digest"]?.content {
        case .string(let b64)?: digest = Base64.decode(b64)
        case .blob(let b)?: digest = b
        default: digest = nil
        }
        guard let digest, digest.count == 32 else {
            throw CLIError("digest file \(path): Digest must be 32 bytes in base64")
        }
        guard case .string(let tip)? = (v[field: "DigestTipAddress"]?[field: "IonText"] ?? v[field: "DigestTipAddress"])?.content else {
            throw CLIError("digest file \(path): missing DigestTipAddress.IonText")
        }
        return SavedDigest(ledger: "", digest: digest, tipAddress: tip, savedAt: "?", endpoint: nil)
    }

    static func jsonString(_ s: String) -> String {
        var out = ""
        IonJSON.appendQuoted(s, to: &out)
        return out
    }
}
