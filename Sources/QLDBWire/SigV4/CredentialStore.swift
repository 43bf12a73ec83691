import Foundation

/// One access key a node accepts.
public struct Credential: Equatable, Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Required in `X-Amz-Security-Token` when set; requests carrying a token
    /// for a key without one are refused.
    public var sessionToken: String?
    /// Who this is (the credentials-file section name), for logs and rate limits.
    public var principal: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, principal: String) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.principal = principal
    }
}

/// Where the verifier looks up secrets. Must be safe to call from any thread.
public protocol CredentialStore: Sendable {
    func credential(forAccessKeyID accessKeyID: String) -> Credential?
}

/// A fixed set of credentials.
public struct StaticCredentialStore: CredentialStore {
    public let credentials: [String: Credential]

    public init(_ credentials: [Credential]) {
        var map: [String: Credential] = [:]
        for c in credentials { map[c.accessKeyID] = c }
        self.credentials = map
    }

    public func credential(forAccessKeyID accessKeyID: String) -> Credential? { credentials[accessKeyID] }
}

public struct CredentialsFileError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var line: Int?
    public var description: String { line.map { "credentials file, line \($0): \(message)" } ?? "credentials file: \(message)" }
}

/// The credentials file: the same INI format as `~/.aws/credentials`, so one
/// file serves the node and (through `AWS_SHARED_CREDENTIALS_FILE`) the clients.
///
/// ```
/// # comments start with # or ;
/// [default]                               # section name = principal
/// aws_access_key_id = AKIDEXAMPLE
/// aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
/// aws_session_token = ...                 # optional
/// ```
/// Other keys (`region`, ...) are ignored. Every section needs both the key id
/// and the secret; an access key id may appear only once.
public enum CredentialsFile {
    public static func parse(_ text: String) throws -> StaticCredentialStore {
        var result: [Credential] = []
        var seen: Set<String> = []
        var section: String?
        var sectionLine = 0
        var values: [String: String] = [:]

        func finish() throws {
            guard let name = section else { return }
            guard let id = values["aws_access_key_id"], !id.isEmpty else {
                throw CredentialsFileError(message: "section [\(name)] has no aws_access_key_id", line: sectionLine)
            }
            guard let secret = values["aws_secret_access_key"], !secret.isEmpty else {
                throw CredentialsFileError(message: "section [\(name)] has no aws_secret_access_key", line: sectionLine)
            }
            guard seen.insert(id).inserted else {
                throw CredentialsFileError(message: "access key id \(id) appears in more than one section", line: sectionLine)
            }
            result.append(Credential(accessKeyID: id, secretAccessKey: secret,
                                     sessionToken: values["aws_session_token"], principal: name))
        }

        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Substring(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine).trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw CredentialsFileError(message: "malformed section header '\(line)'", line: index + 1)
                }
                try finish()
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                section = name
                sectionLine = index + 1
                values = [:]
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw CredentialsFileError(message: "expected 'key = value', got '\(line)'", line: index + 1)
            }
            guard section != nil else {
                throw CredentialsFileError(message: "'\(line[..<eq].trimmingSpaces)' before any [section]", line: index + 1)
            }
            let key = String(line[..<eq].trimmingSpaces).lowercased()
            values[key] = String(line[line.index(after: eq)...].trimmingSpaces)
        }
        try finish()
        return StaticCredentialStore(result)
    }

    public static func load(path: String) throws -> StaticCredentialStore {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CredentialsFileError(message: "cannot read \(path)", line: nil)
        }
        return try parse(String(decoding: data, as: UTF8.self))
    }
}
