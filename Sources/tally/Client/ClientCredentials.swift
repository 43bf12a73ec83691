import Foundation

/// An AWS access key, found the way the SDKs find it: `AWS_ACCESS_KEY_ID` /
/// `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), else the shared
/// credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default
/// `~/.aws/credentials`), profile `AWS_PROFILE` or `default`.
struct ClientCredentials: Equatable {
    var accessKeyID: String
    var secretAccessKey: String
    var sessionToken: String?
    /// Where they came from, for messages.
    var source: String

    static func resolve(environment env: [String: String]) throws -> ClientCredentials {
        if let id = env["AWS_ACCESS_KEY_ID"], !id.isEmpty,
           let secret = env["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty {
            let token = env["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            return ClientCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token,
                                     source: "AWS_ACCESS_KEY_ID")
        }
        let path = env["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (env["HOME"] ?? NSHomeDirectory()) + "/.aws/credentials"
        let profile = env["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                + "or AWS_SHARED_CREDENTIALS_FILE (tried \(path))")
        }
        let sections = parseINI(text)
        guard let section = sections[profile] ?? sections["profile " + profile] else {
            throw CLIError("no [\(profile)] profile in \(path)")
        }
        guard let id = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else {
            throw CLIError("profile [\(profile)] in \(path) needs aws_access_key_id and aws_secret_access_key")
        }
        return ClientCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: section["aws_session_token"],
                                 source: "\(path) [\(profile)]")
    }

    /// `[section]` then `key = value` lines; `#` and `;` start comments.
    static func parseINI(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                current = name
                if sections[name] == nil { sections[name] = [:] }
                continue
            }
            guard let current, let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if let hash = value.range(of: " #") { value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces) }
            sections[current]?[key] = value
        }
        return sections
    }
}
