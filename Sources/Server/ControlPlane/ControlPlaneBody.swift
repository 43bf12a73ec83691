import Foundation
import Replica
import Ion
import Ledger
import Net
import QLDBWire

/// Typed, validated access to a REST JSON request body. Every problem is an
/// `InvalidParameterException` naming the member.
struct ControlPlaneBody {
    let members: [(String, JSONValue)]
    let path: String

    /// An absent or empty body is an empty object (botocore sends no body for
    /// operations without body members).
    init(_ request: HTTPRequest) throws {
        if request.body.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            members = []
        } else {
            let value: JSONValue
            do {
                value = try JSONValue.parse(request.body)
            } catch {
                throw ControlPlaneError.invalid("The request body is not valid JSON: \(error)")
            }
            guard case .object(let m) = value else { throw ControlPlaneError.invalid("The request body must be a JSON object") }
            members = m
        }
        path = ""
    }

    init(members: [(String, JSONValue)], path: String) {
        self.members = members
        self.path = path
    }

    func value(_ name: String) -> JSONValue? {
        guard let v = members.first(where: { $0.0 == name })?.1, v != .null else { return nil }
        return v
    }

    func missing(_ name: String) -> ControlPlaneError {
        .invalid("Missing required parameter \(path)\(name)", parameter: path + name)
    }

    func wrongType(_ name: String, _ type: String) -> ControlPlaneError {
        .invalid("\(path)\(name) must be \(type)", parameter: path + name)
    }

    func string(_ name: String, required: Bool = false, length: ClosedRange<Int>? = nil) throws -> String? {
        guard let v = value(name) else {
            if required { throw missing(name) }
            return nil
        }
        guard case .string(let s) = v else { throw wrongType(name, "a string") }
        if let length, !length.contains(s.count) {
            throw ControlPlaneError.invalid("\(path)\(name) must be \(length.lowerBound) to \(length.upperBound) characters long",
                                            parameter: path + name)
        }
        return s
    }

    func requiredString(_ name: String, length: ClosedRange<Int>? = nil) throws -> String {
        try string(name, required: true, length: length)!
    }

    func bool(_ name: String) throws -> Bool? {
        guard let v = value(name) else { return nil }
        guard case .bool(let b) = v else { throw wrongType(name, "a boolean") }
        return b
    }

    /// Epoch seconds (JSON number, possibly fractional) as milliseconds.
    func timeMs(_ name: String, required: Bool = false) throws -> Int64? {
        guard let v = value(name) else {
            if required { throw missing(name) }
            return nil
        }
        guard case .number(let text) = v, let seconds = Double(text), seconds.isFinite,
              seconds > -1e11, seconds < 1e11 else {
            throw wrongType(name, "a timestamp in epoch seconds")
        }
        return Int64((seconds * 1000).rounded())
    }

    func object(_ name: String, required: Bool = false) throws -> ControlPlaneBody? {
        guard let v = value(name) else {
            if required { throw missing(name) }
            return nil
        }
        guard case .object(let m) = v else { throw wrongType(name, "an object") }
        return ControlPlaneBody(members: m, path: "\(path)\(name).")
    }

    /// A control-plane `ValueHolder` (`{"IonText": "…"}`; there is no IonBinary here).
    func ionText(_ name: String, required: Bool = false) throws -> String? {
        guard let holder = try object(name, required: required) else { return nil }
        return try holder.requiredString("IonText", length: 1...1_048_576)
    }

    /// `Tags`: TagKey 1..128 → TagValue 0..256 or null; no `aws:` keys; at most 50.
    func tags(_ name: String, required: Bool = false) throws -> [ResourceTag]? {
        guard let v = members.first(where: { $0.0 == name })?.1, v != .null else {
            if required { throw missing(name) }
            return nil
        }
        guard case .object(let m) = v else { throw wrongType(name, "a map of tag keys to values") }
        var tags: [ResourceTag] = []
        for (key, value) in m {
            try ControlPlaneBody.checkTagKey(key, parameter: path + name)
            switch value {
            case .null: tags.append(ResourceTag(key: key, value: nil))
            case .string(let s):
                guard s.count <= 256 else {
                    throw ControlPlaneError.invalid("Tag value for \(key) is longer than 256 characters", parameter: path + name)
                }
                tags.append(ResourceTag(key: key, value: s))
            default: throw ControlPlaneError.invalid("Tag values must be strings", parameter: path + name)
            }
        }
        guard tags.count <= 50 else { throw ControlPlaneError.invalid("At most 50 tags are allowed", parameter: path + name) }
        return tags
    }

    static func checkTagKey(_ key: String, parameter: String) throws {
        guard (1...128).contains(key.count) else {
            throw ControlPlaneError.invalid("Tag keys must be 1 to 128 characters long", parameter: parameter)
        }
        guard !key.lowercased().hasPrefix("aws:") else {
            throw ControlPlaneError.invalid("Tag keys starting with aws: are reserved", parameter: parameter)
        }
    }

    /// Ledger and stream names: 1..32 letters, digits and hyphens, not all digits,
    /// no leading, trailing or doubled hyphen (the model's pattern).
    static func checkName(_ name: String, parameter: String) throws {
        let bytes = Array(name.utf8)
        let alnumDash = bytes.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
        }
        let ok = (1...32).contains(bytes.count) && alnumDash && !name.contains("--")
            && !bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && bytes.first != 0x2D && bytes.last != 0x2D
        guard ok else {
            throw ControlPlaneError.invalid("\(parameter) '\(name.prefix(64))' is invalid: it must be 1 to 32 letters, digits "
                + "and hyphens, not all digits, without leading, trailing or consecutive hyphens", parameter: parameter)
        }
    }
}

/// The query string: `max_results`, `next_token`, repeated `tagKeys`.
struct ControlPlaneQuery {
    var pairs: [(String, String)] = []

    init(_ request: HTTPRequest) throws {
        guard let query = request.query, !query.isEmpty else { return }
        for part in query.split(separator: "&") {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = String(kv[0]).removingPercentEncoding,
                  let value = (kv.count > 1 ? String(kv[1]) : "").removingPercentEncoding else {
                throw ControlPlaneError.invalid("The query string is not valid percent-encoding")
            }
            pairs.append((name, value))
        }
    }

    func values(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
    func first(_ name: String) -> String? { values(name).first }
}

/// List paging with opaque tokens: a token is the base64 of the sort key of
/// the last item returned; the next page starts after it.
struct ControlPlanePage {
    var maxResults: Int
    var after: String?

    init(_ query: ControlPlaneQuery, defaultSize: Int) throws {
        maxResults = defaultSize
        if let text = query.first("max_results") {
            guard let n = Int(text), (1...100).contains(n) else {
                throw ControlPlaneError.invalid("max_results must be an integer from 1 to 100", parameter: "MaxResults")
            }
            maxResults = n
        }
        if let token = query.first("next_token") {
            guard (4...1024).contains(token.count), let bytes = Base64.decode(token),
                  let text = String(validating: bytes, as: UTF8.self), text.hasPrefix("v1|") else {
                throw ControlPlaneError.invalid("next_token is not a token this service issued", parameter: "NextToken")
            }
            after = String(text.dropFirst(3))
        }
    }

    /// The page of `items` (sorted by key) and the token for the next, if any.
    func slice<T>(_ items: [(key: String, item: T)]) -> (items: [T], nextToken: String?) {
        let rest = after.map { a in items.filter { $0.key > a } } ?? items
        let page = Array(rest.prefix(maxResults))
        let next = rest.count > maxResults ? page.last.map { Base64.encode(Array("v1|\($0.key)".utf8)) } : nil
        return (page.map(\.item), next)
    }
}
