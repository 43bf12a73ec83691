import Foundation
import Logging
import Replica

/// A swift-log handler that writes one logfmt line per event to standard
/// error: `ts=2026-12-03T16:03:08.123Z level=info node=node1 msg="…" key=value`.
/// Values with spaces, quotes or `=` are quoted with Go-style escapes, so the
/// lines read with `grep`, `hl`, Loki or `logfmt` parsers alike.
public struct LogfmtLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let sink: LogSink

    public init(label: String, level: Logger.Level = .info, sink: LogSink = .standardError) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var line = "ts=\(LogfmtLogHandler.timestamp()) level=\(level.rawValue) logger=\(LogfmtLogHandler.quote(label))"
        var merged = metadata
        if let explicit { merged.merge(explicit) { $1 } }
        line += " msg=\(LogfmtLogHandler.quote(message.description))"
        for key in merged.keys.sorted() {
            line += " \(key)=\(LogfmtLogHandler.quote("\(merged[key]!)"))"
        }
        sink.write(line + "\n")
    }

    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\"
            || $0.asciiValue.map { $0 < 0x20 } ?? false }
        guard needsQuotes else { return value }
        var out = "\""
        for ch in value.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var tm = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                      tm.tm_hour, tm.tm_min, tm.tm_sec, Int(now.tv_nsec / 1_000_000))
    }
}

/// Where log lines go: standard error (one `write` per line, so lines from
/// several threads never interleave), or a closure for tests.
public struct LogSink: Sendable {
    let write: @Sendable (String) -> Void

    public init(_ write: @escaping @Sendable (String) -> Void) { self.write = write }

    public static let standardError = LogSink { line in
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}

/// The node's loggers, one label per concern (`tally.raft`, `tally.auth`, …).
public enum NodeLog {
    /// Installs the logfmt handler for every logger at `level` (call once, at start).
    public static func bootstrap(level: Logger.Level, node: String) {
        LoggingSystem.bootstrap { label in
            var handler = LogfmtLogHandler(label: label, level: level)
            handler[metadataKey: "node"] = .string(node)
            return handler
        }
    }

    public static let node = Logger(label: "tally.node")
    public static let auth = Logger(label: "tally.auth")
    public static let session = Logger(label: "tally.session")
    public static let streams = Logger(label: "tally.streams")
    public static var raft: Logger { ReplicaLog.raft }
    public static var storage: Logger { ReplicaLog.storage }
}
