import Foundation
import Ion

/// A revision or block with its proof, read from a file for `tally verify`
/// without a server. Accepted shapes (JSON is read as Ion text; Ion binary too):
/// * what `aws qldb get-revision` / `get-block` print:
///   `{"Revision"|"Block": {"IonText": "…"}, "Proof": {"IonText": "[{{…}}, …]"}}`
///   (a field may also hold the Ion value itself, or its text as a plain string);
/// * the revision or block struct and the proof list as two top-level Ion values, in either order;
/// * the revision or block alone, with the proof in a file of its own (`--proof`).
struct Receipt {
    enum Kind: String {
        case revision = "Revision"
        case block = "Block"
    }

    var value: IonValue
    var proof: [[UInt8]]

    static func load(path: String, kind: Kind, proofPath: String?) throws -> Receipt {
        let values = try readValues(path)
        var value: IonValue?
        var proof: IonValue?
        let other: Kind = kind == .revision ? .block : .revision
        if values.count == 1, values[0][field: other.rawValue] != nil {
            throw ProofVerifier.Failure("\(path) is a \(other.rawValue.lowercased()) receipt; give it with --\(other.rawValue.lowercased())")
        }
        if values.count == 1, let held = values[0][field: kind.rawValue] {
            value = try unwrap(held, what: "\(path): \(kind.rawValue)")
            if let p = values[0][field: "Proof"] { proof = try unwrap(p, what: "\(path): Proof") }
        } else {
            for v in values {
                switch v.content {
                case .struct where value == nil: value = v
                case .list where proof == nil: proof = v
                default:
                    throw ProofVerifier.Failure("\(path) holds more than one \(kind.rawValue.lowercased()) and one proof")
                }
            }
        }
        guard let value, case .struct = value.content else {
            throw ProofVerifier.Failure("\(path) holds no \(kind.rawValue.lowercased()) struct")
        }
        if let proofPath {
            guard proof == nil else { throw ProofVerifier.Failure("\(path) already holds a proof; --proof is not needed") }
            let values = try readValues(proofPath)
            guard values.count == 1 else { throw ProofVerifier.Failure("\(proofPath) must hold one Ion list (the proof)") }
            proof = try unwrap(values[0][field: "Proof"] ?? values[0], what: "\(proofPath): Proof")
        }
        guard let proof else {
            throw ProofVerifier.Failure("\(path) holds no proof (the receipt must have been fetched with a DigestTipAddress); "
                + "give it with --proof FILE")
        }
        return Receipt(value: value, proof: try ProofVerifier.proofHashes(proof))
    }

    /// A QLDB `ValueHolder` (`{IonText: "…"}`), Ion text in a string, or the value itself.
    static func unwrap(_ held: IonValue, what: String) throws -> IonValue {
        let text: String
        switch held.content {
        case .struct where held[field: "IonText"] != nil:
            guard case .string(let t)? = held[field: "IonText"]?.content else { throw ProofVerifier.Failure("\(what).IonText is not a string") }
            text = t
        case .string(let t): text = t
        default: return held
        }
        return try ProofVerifier.parseOne(text, what: what)
    }

    static func readValues(_ path: String) throws -> [IonValue] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        do {
            return try Ion.read(Array(data))
        } catch {
            throw ProofVerifier.Failure("\(path) is not Ion or JSON: \(error)")
        }
    }
}
