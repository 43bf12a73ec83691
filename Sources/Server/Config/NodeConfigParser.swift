import Foundation
import TOMLKit
import Net
import QLDBWire

/// A configuration problem, naming the key (`session.page_size`).
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension NodeConfig {
    /// Reads a config file; relative paths in it are resolved against the
    /// file's directory.
    public static func load(path: String) throws -> NodeConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read config file \(path)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(String(decoding: data, as: UTF8.self), baseDirectory: base)
    }

    /// Parses TOML. Unknown keys and wrong types are errors naming the key.
    public static func parse(_ text: String, baseDirectory: String? = nil) throws -> NodeConfig {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError("invalid TOML: \(error.description) at \(error.source.begin)")
        }
        var c = NodeConfig()
        let top = TOMLSection(root, path: "")
        c.nodeID = try top.string("node_id") ?? c.nodeID
        guard !c.nodeID.isEmpty else { throw ConfigError("node_id must not be empty") }
        c.dataDirectory = try top.string("data_dir") ?? c.dataDirectory
        c.join = try top.bool("join") ?? false

        if let t = try top.table("listen") {
            c.listen.client = try t.address("client") ?? c.listen.client
            c.listen.peer = try t.address("peer") ?? c.listen.peer
            c.listen.metrics = try t.address("metrics") ?? c.listen.metrics
            try t.finish()
        }
        if let peers = try top.tableArray("peers") {
            var ids: Set<String> = [c.nodeID]
            for p in peers {
                guard let id = try p.string("id"), !id.isEmpty else { throw ConfigError("\(p.path)id is required") }
                guard let address = try p.address("address") else { throw ConfigError("\(p.path)address is required") }
                guard ids.insert(id).inserted else {
                    throw ConfigError("\(p.path)id '\(id)' is used twice (node_id and peer ids must be unique)")
                }
                try p.finish()
                c.peers.append(NodeConfig.Peer(id: id, address: address))
            }
        }
        if let t = try top.table("tls") {
            guard let cert = try t.string("cert") else { throw ConfigError("tls.cert is required when [tls] is present") }
            guard let key = try t.string("key") else { throw ConfigError("tls.key is required when [tls] is present") }
            c.tls = NodeConfig.TLS(certificateFile: cert, privateKeyFile: key, caFile: try t.string("ca"))
            try t.finish()
        }
        if let t = try top.table("auth") {
            if let mode = try t.string("mode") {
                guard let m = AuthMode(rawValue: mode) else {
                    throw ConfigError("auth.mode must be \"sigv4\" or \"none\", got \"\(mode)\"")
                }
                c.auth.mode = m
            }
            c.auth.credentialsFile = try t.string("credentials_file") ?? c.auth.credentialsFile
            c.auth.maxClockSkew = try t.seconds("max_clock_skew_seconds") ?? c.auth.maxClockSkew
            if let region = try t.string("region") {
                guard !region.isEmpty, region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                    throw ConfigError("auth.region must be a region name like \"us-east-1\", got \"\(region)\"")
                }
                c.auth.region = region
            }
            try t.finish()
        }
        if let t = try top.table("session") {
            var s = c.session
            s.transactionTimeout = try t.seconds("transaction_timeout_seconds") ?? s.transactionTimeout
            s.sessionLifetime = try t.seconds("session_lifetime_seconds") ?? s.sessionLifetime
            s.expiredSessionRetention = try t.seconds("expired_session_retention_seconds", allowZero: true)
                ?? s.expiredSessionRetention
            s.maxSessionsPerLedger = try t.positiveInt("max_sessions_per_ledger") ?? s.maxSessionsPerLedger
            s.maxSessionsPerCredential = try t.positiveInt("max_sessions_per_credential") ?? s.maxSessionsPerCredential
            s.rateLimitPerSecond = try t.number("rate_limit_per_second", allowZero: true) ?? s.rateLimitPerSecond
            s.rateLimitBurst = try t.number("rate_limit_burst") ?? s.rateLimitBurst
            s.pageSize = try t.positiveInt("page_size") ?? s.pageSize
            s.pageBytes = try t.positiveInt("page_bytes") ?? s.pageBytes
            try t.finish()
            c.session = s
        }
        if let t = try top.table("http") {
            c.http.maxHeaderBytes = try t.positiveInt("max_header_bytes") ?? c.http.maxHeaderBytes
            c.http.maxBodyBytes = try t.positiveInt("max_body_bytes") ?? c.http.maxBodyBytes
            c.http.headerTimeout = try t.seconds("header_timeout_seconds") ?? c.http.headerTimeout
            c.http.bodyTimeout = try t.seconds("body_timeout_seconds") ?? c.http.bodyTimeout
            c.http.idleTimeout = try t.seconds("idle_timeout_seconds") ?? c.http.idleTimeout
            c.http.maxConnections = try t.positiveInt("max_connections") ?? c.http.maxConnections
            c.http.maxBufferedBodyBytes = try t.positiveInt("max_buffered_body_bytes") ?? c.http.maxBufferedBodyBytes
            c.http.stuckRequestSeconds = try t.seconds("stuck_request_seconds") ?? c.http.stuckRequestSeconds
            c.http.leaderWaitSeconds = try t.seconds("leader_wait_seconds", allowZero: true) ?? c.http.leaderWaitSeconds
            c.http.clientLoop = try t.bool("client_loop") ?? c.http.clientLoop
            c.http.nodeLoopConnections = try t.positiveInt("node_loop_connections", allowZero: true)
                ?? c.http.nodeLoopConnections
            if let loops = try t.positiveInt("client_loops") {
                guard loops <= NodeConfig.HTTP.maxClientLoops else {
                    throw ConfigError("http.client_loops must be at most \(NodeConfig.HTTP.maxClientLoops), got \(loops)")
                }
                c.http.clientLoops = loops
            }
            if let spin = try t.positiveInt("loop_spin_us", allowZero: true) {
                guard spin <= NodeConfig.HTTP.maxLoopSpinMicroseconds else {
                    throw ConfigError("http.loop_spin_us must be at most \(NodeConfig.HTTP.maxLoopSpinMicroseconds), got \(spin)")
                }
                c.http.loopSpinMicroseconds = spin
            }
            try t.finish()
        }
        if let t = try top.table("raft") {
            c.raft.tickMilliseconds = try t.positiveInt("tick_ms") ?? c.raft.tickMilliseconds
            c.raft.electionTicks = try t.positiveInt("election_ticks") ?? c.raft.electionTicks
            c.raft.heartbeatTicks = try t.positiveInt("heartbeat_ticks") ?? c.raft.heartbeatTicks
            c.raft.compactionThreshold = try t.positiveInt("compaction_threshold") ?? c.raft.compactionThreshold
            c.raft.slowFsyncMilliseconds = try t.positiveInt("slow_fsync_ms") ?? c.raft.slowFsyncMilliseconds
            c.raft.followerWritesOnLoop = try t.bool("follower_writes_on_loop") ?? c.raft.followerWritesOnLoop
            try t.finish()
            guard c.raft.heartbeatTicks < c.raft.electionTicks else {
                throw ConfigError("raft.heartbeat_ticks (\(c.raft.heartbeatTicks)) must be less than raft.election_ticks (\(c.raft.electionTicks))")
            }
        }
        if let t = try top.table("storage") {
            if let state = try t.string("state") {
                guard state == "lmdb" || state == "memory" else {
                    throw ConfigError("storage.state must be \"lmdb\" or \"memory\", got \"\(state)\"")
                }
                c.storage.stateOnDisk = state == "lmdb"
            }
            try t.finish()
        }
        if let t = try top.table("statements") {
            c.statements.loopSliceMilliseconds = try t.positiveInt("loop_slice_ms") ?? c.statements.loopSliceMilliseconds
            c.statements.threads = try t.positiveInt("threads") ?? c.statements.threads
            c.statements.limits.maxRows = try t.positiveInt("max_rows") ?? c.statements.limits.maxRows
            if let mib = try t.positiveInt("max_result_mib") { c.statements.limits.maxResultBytes = mib * 1024 * 1024 }
            try t.finish()
        }
        if let t = try top.table("streams") { c.streams = try parseStreams(t) }
        if let t = try top.table("admin") {
            c.admin.tokenFile = try t.string("token_file")
            try t.finish()
        }
        if let t = try top.table("scrub") {
            c.scrub.megabytesPerSecond = try t.number("megabytes_per_second", allowZero: true) ?? c.scrub.megabytesPerSecond
            c.scrub.passIntervalSeconds = try t.number("pass_interval_seconds", allowZero: true) ?? c.scrub.passIntervalSeconds
            try t.finish()
        }
        if let t = try top.table("exports") {
            c.exports.maxConcurrentPerCredential = try t.positiveInt("max_concurrent_per_credential")
                ?? c.exports.maxConcurrentPerCredential
            try t.finish()
        }
        if let t = try top.table("testing") {
            c.testing.failpoints = try t.bool("failpoints") ?? false
            try t.finish()
        }
        try top.finish()

        if let base = baseDirectory {
            func resolve(_ p: String) -> String {
                p.hasPrefix("/") ? p : URL(fileURLWithPath: base).appendingPathComponent(p).standardized.path
            }
            c.dataDirectory = resolve(c.dataDirectory)
            c.auth.credentialsFile = resolve(c.auth.credentialsFile)
            c.streams.root = c.streams.root.map(resolve)
            c.admin.tokenFile = c.admin.tokenFile.map(resolve)
            if var tls = c.tls {
                tls.certificateFile = resolve(tls.certificateFile)
                tls.privateKeyFile = resolve(tls.privateKeyFile)
                tls.caFile = tls.caFile.map(resolve)
                c.tls = tls
            }
        }
        return c
    }
}

extension NodeConfig {
    /// `[streams]` with `root`, `allow_any_arn` and `[[streams.sinks]]` entries
    /// `{stream = "<ARN or name>", file = "<relative path>"}` or `{stream, url = "http(s)://…"}`.
    static func parseStreams(_ t: TOMLSection) throws -> Streams {
        var s = Streams()
        s.root = try t.string("root")
        s.allowAnyArn = try t.bool("allow_any_arn") ?? false
        for e in try t.tableArray("sinks") ?? [] {
            guard let stream = try e.string("stream") else { throw ConfigError("\(e.path)stream is required") }
            let file = try e.string("file")
            let url = try e.string("url")
            let target: StreamSinks.Target
            switch (file, url) {
            case (let f?, nil): target = .file(f)
            case (nil, let u?): target = .url(u)
            default: throw ConfigError("\(e.path) needs exactly one of file or url")
            }
            try e.finish()
            let entry = StreamSinks.Entry(stream: stream, target: target)
            if let problem = StreamSinks.problem(with: entry) { throw ConfigError("\(e.path)\(problem)") }
            guard !s.sinks.contains(where: { $0.stream == stream }) else {
                throw ConfigError("\(e.path)stream '\(stream)' is configured twice")
            }
            s.sinks.append(entry)
        }
        try t.finish()
        return s
    }
}

/// Typed, key-tracking access to one TOML table.
final class TOMLSection {
    let table: TOMLTable
    /// Key prefix for messages: "" at the top, "session." in [session], "peers[0]." …
    let path: String
    private var used: Set<String> = []

    init(_ table: TOMLTable, path: String) {
        self.table = table
        self.path = path
    }

    private func value(_ key: String) -> TOMLValueConvertible? {
        used.insert(key)
        return table[key]
    }

    private func typeError(_ key: String, _ expected: String, _ v: TOMLValueConvertible) -> ConfigError {
        ConfigError("\(path)\(key) must be \(expected), got \(v.type)")
    }

    func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw typeError(key, "a string", v) }
        return s
    }

    func bool(_ key: String) throws -> Bool? {
        guard let v = value(key) else { return nil }
        guard let b = v.bool else { throw typeError(key, "a boolean", v) }
        return b
    }

    func positiveInt(_ key: String, allowZero: Bool = false) throws -> Int? {
        guard let v = value(key) else { return nil }
        guard let i = v.int else { throw typeError(key, "an integer", v) }
        guard allowZero ? i >= 0 : i > 0 else {
            throw ConfigError("\(path)\(key) must be \(allowZero ? "at least 0" : "greater than 0"), got \(i)")
        }
        return i
    }

    /// An integer or a float.
    func number(_ key: String, allowZero: Bool = false) throws -> Double? {
        guard let v = value(key) else { return nil }
        let d: Double
        if let i = v.int { d = Double(i) } else if let f = v.double { d = f } else {
            throw typeError(key, "a number", v)
        }
        guard d.isFinite, allowZero ? d >= 0 : d > 0 else {
            throw ConfigError("\(path)\(key) must be \(allowZero ? "at least 0" : "greater than 0"), got \(d)")
        }
        return d
    }

    func seconds(_ key: String, allowZero: Bool = false) throws -> TimeInterval? {
        try number(key, allowZero: allowZero)
    }

    func address(_ key: String) throws -> NetworkAddress? {
        guard let s = try string(key) else { return nil }
        guard let a = NetworkAddress.parse(s) else {
            throw ConfigError("\(path)\(key) must be \"host:port\" with a port from 1 to 65535, got \"\(s)\"")
        }
        return a
    }

    func table(_ key: String) throws -> TOMLSection? {
        guard let v = value(key) else { return nil }
        guard let t = v.table else { throw typeError(key, "a table", v) }
        return TOMLSection(t, path: "\(path)\(key).")
    }

    /// `[[key]]` entries.
    func tableArray(_ key: String) throws -> [TOMLSection]? {
        guard let v = value(key) else { return nil }
        guard let a = v.array else { throw typeError(key, "an array of tables ([[\(key)]])", v) }
        var out: [TOMLSection] = []
        for i in 0..<a.count {
            let element = a[i]
            guard let t = element.table else {
                throw ConfigError("\(path)\(key)[\(i)] must be a table, got \(element.type)")
            }
            out.append(TOMLSection(t, path: "\(path)\(key)[\(i)]."))
        }
        return out
    }

    /// Fails on any key that was never asked for.
    func finish() throws {
        let unknown = table.keys.filter { !used.contains($0) }.sorted()
        if let first = unknown.first {
            throw ConfigError("unknown key '\(path)\(first)'" + (unknown.count > 1
                ? " (and \(unknown.dropFirst().map { "'\(path)\($0)'" }.joined(separator: ", ")))" : ""))
        }
    }
}
