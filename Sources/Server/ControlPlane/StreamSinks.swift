import Foundation

/// `arn:<partition>:kinesis:<region>:<account>:stream/<name>`, checked against
/// Kinesis' rules (12-digit account, name `[A-Za-z0-9_.-]{1,128}`).
public struct KinesisStreamArn: Equatable, Sendable {
    public var region: String
    public var account: String
    public var name: String

    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[1] == "aws" || parts[1].hasPrefix("aws-"), parts[2] == "kinesis",
              parts[3].utf8.count <= 32, !parts[3].isEmpty,
              parts[3].utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }),
              parts[4].utf8.count == 12, parts[4].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              parts[5].hasPrefix("stream/") else { return nil }
        let name = String(parts[5].dropFirst("stream/".count))
        guard KinesisStreamArn.isValidName(name) else { return nil }
        region = parts[3]
        account = parts[4]
        self.name = name
    }

    public static func isValidName(_ name: String) -> Bool {
        (1...128).contains(name.utf8.count) && name != "." && name != ".."
            && name.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
            }
    }
}

/// The operator's table of stream sinks (`[streams]` in the node config):
/// which Kinesis stream ARN delivers where. Clients only ever name an ARN;
/// paths and URLs come from here.
public struct StreamSinks: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        /// A full Kinesis stream ARN (matched exactly) or a stream name (any region/account).
        public var stream: String
        public var target: Target

        public init(stream: String, target: Target) {
            self.stream = stream
            self.target = target
        }
    }

    public enum Target: Equatable, Sendable {
        /// A file relative to the stream root.
        case file(String)
        /// An http(s) URL the operator wrote.
        case url(String)
    }

    /// Directory holding file sinks; must exist when records are delivered.
    public var root: String
    /// Maps any well-formed Kinesis ARN without an entry to `<root>/<name>.ion`.
    public var allowAnyArn: Bool
    public var entries: [Entry]

    public init(root: String, allowAnyArn: Bool = false, entries: [Entry] = []) {
        self.root = root
        self.allowAnyArn = allowAnyArn
        self.entries = entries
    }

    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The sink for a client's `KinesisConfiguration.StreamArn`, or why there is none.
    public func resolve(_ streamArn: String) -> Result<StreamSink, Refusal> {
        let lower = streamArn.lowercased()
        if lower.hasPrefix("file:") || lower.hasPrefix("http:") || lower.hasPrefix("https:") || lower.contains("://") {
            return .failure(Refusal(description: "KinesisConfiguration.StreamArn must be a Kinesis stream ARN; "
                + "file paths and URLs are not accepted (sinks are configured by the operator)"))
        }
        guard let arn = KinesisStreamArn(streamArn) else {
            return .failure(Refusal(description: "KinesisConfiguration.StreamArn must be arn:aws:kinesis:<region>:<account>:stream/<name>"))
        }
        let entry = entries.first { $0.stream == streamArn } ?? entries.first { $0.stream == arn.name }
        switch entry?.target {
        case .file(let relative)?:
            return .success(.file(root: root, relative: relative))
        case .url(let url)?:
            guard let sink = StreamSink(url: url) else {
                return .failure(Refusal(description: "the sink configured for \(streamArn) has an invalid URL"))
            }
            return .success(sink)
        case nil:
            guard allowAnyArn else {
                return .failure(Refusal(description: "Kinesis stream \(streamArn) is not configured on this node"))
            }
            return .success(.file(root: root, relative: arn.name + ".ion"))
        }
    }

    /// Checks an operator's entry (config load); nil when it is acceptable.
    public static func problem(with entry: Entry) -> String? {
        if !entry.stream.hasPrefix("arn:") {
            if !KinesisStreamArn.isValidName(entry.stream) { return "stream must be a Kinesis stream ARN or name" }
        } else if KinesisStreamArn(entry.stream) == nil {
            return "stream is not a valid Kinesis stream ARN"
        }
        switch entry.target {
        case .file(let relative):
            guard let parts = ConfinedPath.components(relative), !parts.isEmpty else {
                return "file must be a relative path inside the stream root, without '..'"
            }
        case .url(let url):
            guard StreamSink(url: url) != nil else { return "url must be http://host[:port]/path or https://…" }
        }
        return nil
    }
}
