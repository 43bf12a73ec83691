import Foundation
import Net
import XCTest
@testable import Replica
@testable import Server
@testable import QLDBWire

final class NodeConfigTests: XCTestCase {
    func testEmptyFileIsAllDefaults() throws {
        let c = try NodeConfig.parse("")
        XCTAssertEqual(c, NodeConfig())
        XCTAssertEqual(c.nodeID, "node1")
        XCTAssertEqual(c.listen.client.description, "127.0.0.1:8443")
        XCTAssertEqual(c.listen.peer.description, "127.0.0.1:7443")
        XCTAssertEqual(c.listen.metrics.description, "127.0.0.1:9464")
        XCTAssertEqual(c.auth.mode, .sigv4)
        XCTAssertEqual(c.auth.maxClockSkew, 900)
        XCTAssertEqual(c.session.transactionTimeout, 30)
        XCTAssertEqual(c.session.sessionLifetime, 900)
        XCTAssertEqual(c.session.maxSessionsPerLedger, 3000)
        XCTAssertEqual(c.session.pageSize, 200)
        XCTAssertTrue(c.peers.isEmpty)
        XCTAssertNil(c.tls)
    }

    static let full = """
    node_id = "n1"
    data_dir = "/var/lib/tally/n1"

    [listen]
    client = "0.0.0.0:8443"
    peer = "[::1]:7443"
    metrics = "127.0.0.1:9465"

    [[peers]]
    id = "n2"
    address = "10.0.0.2:7443"

    [[peers]]
    id = "n3"
    address = "node3.local:7443"

    [tls]
    cert = "certs/n1.pem"
    key = "certs/n1.key"
    ca = "certs/ca.pem"

    [auth]
    mode = "none"
    credentials_file = "/etc/tally/credentials"
    max_clock_skew_seconds = 300

    [session]
    transaction_timeout_seconds = 30.5
    session_lifetime_seconds = 600
    expired_session_retention_seconds = 0
    max_sessions_per_ledger = 1500
    rate_limit_per_second = 0
    rate_limit_burst = 10
    page_size = 100
    page_bytes = 65536

    [http]
    max_header_bytes = 16384
    max_body_bytes = 1048576
    header_timeout_seconds = 5
    body_timeout_seconds = 30
    idle_timeout_seconds = 120
    max_connections = 500
    """

    func testFullFile() throws {
        let c = try NodeConfig.parse(Self.full, baseDirectory: "/etc/tally")
        XCTAssertEqual(c.nodeID, "n1")
        XCTAssertEqual(c.dataDirectory, "/var/lib/tally/n1")
        XCTAssertEqual(c.listen.client, NetworkAddress(host: "0.0.0.0", port: 8443))
        XCTAssertEqual(c.listen.peer, NetworkAddress(host: "::1", port: 7443))
        XCTAssertEqual(c.listen.peer.description, "[::1]:7443")
        XCTAssertEqual(c.peers.map(\.id), ["n2", "n3"])
        XCTAssertEqual(c.peers[1].address, NetworkAddress(host: "node3.local", port: 7443))
        XCTAssertEqual(c.tls, NodeConfig.TLS(certificateFile: "/etc/tally/certs/n1.pem", privateKeyFile: "/etc/tally/certs/n1.key",
                                             caFile: "/etc/tally/certs/ca.pem"))
        XCTAssertEqual(c.auth.mode, AuthMode.none)
        XCTAssertEqual(c.auth.credentialsFile, "/etc/tally/credentials")
        XCTAssertEqual(c.auth.maxClockSkew, 300)
        XCTAssertEqual(c.session.transactionTimeout, 30.5)
        XCTAssertEqual(c.session.sessionLifetime, 600)
        XCTAssertEqual(c.session.expiredSessionRetention, 0)
        XCTAssertEqual(c.session.maxSessionsPerLedger, 1500)
        XCTAssertEqual(c.session.rateLimitPerSecond, 0)
        XCTAssertEqual(c.session.rateLimitBurst, 10)
        XCTAssertEqual(c.session.pageSize, 100)
        XCTAssertEqual(c.session.pageBytes, 65536)
        XCTAssertEqual(c.http.maxHeaderBytes, 16384)
        XCTAssertEqual(c.http.maxBodyBytes, 1_048_576)
        XCTAssertEqual(c.http.headerTimeout, 5)
        XCTAssertEqual(c.http.bodyTimeout, 30)
        XCTAssertEqual(c.http.idleTimeout, 120)
        XCTAssertEqual(c.http.maxConnections, 500)
    }

    func testLoadResolvesRelativePathsAgainstTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tally-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("node.toml")
        try "data_dir = \"data\"\n[auth]\ncredentials_file = \"../creds\"\n".write(to: file, atomically: true, encoding: .utf8)
        let c = try NodeConfig.load(path: file.path)
        XCTAssertEqual(c.dataDirectory, dir.appendingPathComponent("data").path)
        XCTAssertEqual(c.auth.credentialsFile, dir.deletingLastPathComponent().appendingPathComponent("creds").path)
        XCTAssertThrowsError(try NodeConfig.load(path: dir.appendingPathComponent("missing.toml").path)) {
            XCTAssertTrue("\($0)".hasPrefix("cannot read config file"))
        }
    }

    func testErrorsNameTheKey() {
        let cases: [(String, String)] = [
            ("bogus = 1", "unknown key 'bogus'"),
            ("[session]\npage_sise = 10\nzzz = 1", "unknown key 'session.page_sise' (and 'session.zzz')"),
            ("[session]\npage_size = \"200\"", "session.page_size must be an integer, got string"),
            ("[session]\npage_size = 0", "session.page_size must be greater than 0, got 0"),
            ("[session]\ntransaction_timeout_seconds = \"30s\"", "session.transaction_timeout_seconds must be a number, got string"),
            ("[session]\ntransaction_timeout_seconds = -1", "session.transaction_timeout_seconds must be greater than 0, got -1.0"),
            ("node_id = 5", "node_id must be a string, got int"),
            ("node_id = \"\"", "node_id must not be empty"),
            ("listen = 1", "listen must be a table, got int"),
            ("[listen]\nclient = \"localhost\"", "listen.client must be \"host:port\" with a port from 1 to 65535, got \"localhost\""),
            ("[listen]\nclient = \"h:70000\"", "listen.client must be \"host:port\" with a port from 1 to 65535, got \"h:70000\""),
            ("[listen]\nclient = 8443", "listen.client must be a string, got int"),
            ("[auth]\nmode = \"basic\"", "auth.mode must be \"sigv4\" or \"none\", got \"basic\""),
            ("[tls]\ncert = \"a\"", "tls.key is required when [tls] is present"),
            ("[[peers]]\nid = \"n2\"", "peers[0].address is required"),
            ("[[peers]]\naddress = \"h:1\"", "peers[0].id is required"),
            ("[[peers]]\nid = \"n2\"\naddress = \"h:1\"\nport = 3", "unknown key 'peers[0].port'"),
            ("[[peers]]\nid = \"node1\"\naddress = \"h:1\"", "peers[0].id 'node1' is used twice (node_id and peer ids must be unique)"),
            ("peers = 1", "peers must be an array of tables ([[peers]]), got int"),
            ("[session\n", "invalid TOML:"),
            ("[storage]\nstate = \"disk\"", "storage.state must be \"lmdb\" or \"memory\", got \"disk\""),
            ("[statements]\nthreads = 0", "statements.threads must be greater than 0, got 0"),
            ("[statements]\nmax_rows = \"many\"", "statements.max_rows must be an integer, got string"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try NodeConfig.parse(text), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(message), "\(text)\n  got:      \(error)\n  expected: \(message)")
            }
        }
    }

    func testStorageAndStatementsSections() throws {
        XCTAssertTrue(try NodeConfig.parse("").storage.stateOnDisk, "LMDB state is the default")
        let c = try NodeConfig.parse("[storage]\nstate = \"memory\"\n[statements]\nloop_slice_ms = 5\nthreads = 3\nmax_rows = 1000\nmax_result_mib = 16\n")
        XCTAssertFalse(c.storage.stateOnDisk)
        XCTAssertEqual(c.statements.loopSliceMilliseconds, 5)
        XCTAssertEqual(c.statements.threads, 3)
        XCTAssertEqual(c.statements.limits.maxRows, 1000)
        XCTAssertEqual(c.statements.limits.maxResultBytes, 16 << 20)
    }

    func testSlowFsyncThresholdAndLeaderWait() throws {
        XCTAssertEqual(try NodeConfig.parse("").http.leaderWaitSeconds, 4)
        XCTAssertEqual(try NodeConfig.parse("[http]\nleader_wait_seconds = 0\n").http.leaderWaitSeconds, 0)
        XCTAssertEqual(try NodeConfig.parse("").raft.slowFsyncMilliseconds, 100)
        XCTAssertEqual(try NodeConfig.parse("[raft]\nslow_fsync_ms = 25\n").raft.slowFsyncMilliseconds, 25)
        XCTAssertThrowsError(try NodeConfig.parse("[raft]\nslow_fsync_ms = 0\n"))
    }

    func testNodeLoopConnections() throws {
        XCTAssertEqual(try NodeConfig.parse("").http.nodeLoopConnections, 8)
        XCTAssertEqual(try NodeConfig.parse("[http]\nnode_loop_connections = 0\n").http.nodeLoopConnections, 0)
        XCTAssertEqual(try NodeConfig.parse("[http]\nnode_loop_connections = 4\n").http.nodeLoopConnections, 4)
        XCTAssertThrowsError(try NodeConfig.parse("[http]\nnode_loop_connections = -1\n")) { error in
            XCTAssertTrue("\(error)".contains("node_loop_connections must be at least 0"), "\(error)")
        }
    }

    /// An `[http]` count: its default, its bounds accepted, one past the top refused with
    /// the key and the bound named, and below the bottom or a string refused.
    private func checkHTTPCount(_ key: String, _ field: KeyPath<NodeConfig.HTTP, Int>, default value: Int,
                                lowest: Int, highest: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try NodeConfig.parse("").http[keyPath: field], value, file: file, line: line)
        for n in [lowest, highest] {
            XCTAssertEqual(try NodeConfig.parse("[http]\n\(key) = \(n)\n").http[keyPath: field], n, file: file, line: line)
        }
        XCTAssertThrowsError(try NodeConfig.parse("[http]\n\(key) = \(highest + 1)\n"), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains("\(key) must be at most \(highest)"), "\(error)", file: file, line: line)
        }
        XCTAssertThrowsError(try NodeConfig.parse("[http]\n\(key) = \(lowest - 1)\n"), file: file, line: line)
        XCTAssertThrowsError(try NodeConfig.parse("[http]\n\(key) = \"\(value)\"\n"), file: file, line: line)
    }

    func testClientLoops() throws {
        try checkHTTPCount("client_loops", \.clientLoops, default: 2, lowest: 1, highest: 64)
    }

    func testLoopSpin() throws {
        try checkHTTPCount("loop_spin_us", \.loopSpinMicroseconds, default: 50, lowest: 0, highest: 10_000)
    }

    func testFollowerWritesOnLoop() throws {
        XCTAssertTrue(try NodeConfig.parse("").raft.followerWritesOnLoop)
        XCTAssertFalse(try NodeConfig.parse("[raft]\nfollower_writes_on_loop = false\n").raft.followerWritesOnLoop)
        XCTAssertThrowsError(try NodeConfig.parse("[raft]\nfollower_writes_on_loop = 1\n"))
    }

    func testStreamsAdminAndExportsSections() throws {
        let c = try NodeConfig.parse("""
        data_dir = "d"
        [streams]
        root = "sinks"
        allow_any_arn = true
        [[streams.sinks]]
        stream = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
        file = "orders/records.ion"
        [[streams.sinks]]
        stream = "audit"
        url = "https://collector.internal:8443/records"
        [admin]
        token_file = "secrets/admin.token"
        [exports]
        max_concurrent_per_credential = 4
        """, baseDirectory: "/etc/tally")
        XCTAssertEqual(c.streamRoot, "/etc/tally/sinks")
        XCTAssertTrue(c.streams.allowAnyArn)
        XCTAssertEqual(c.streams.sinks, [
            .init(stream: "arn:aws:kinesis:us-east-1:123456789012:stream/orders", target: .file("orders/records.ion")),
            .init(stream: "audit", target: .url("https://collector.internal:8443/records")),
        ])
        XCTAssertEqual(c.adminTokenFile, "/etc/tally/secrets/admin.token")
        XCTAssertEqual(c.exports.maxConcurrentPerCredential, 4)
        let defaults = try NodeConfig.parse("data_dir = \"/var/lib/tally\"")
        XCTAssertEqual(defaults.streamRoot, "/var/lib/tally/streams")
        XCTAssertFalse(defaults.streams.allowAnyArn)
        XCTAssertEqual(defaults.adminTokenFile, "/var/lib/tally/admin.token")

        for (bad, key) in [("[[streams.sinks]]\nstream = \"x\"\nfile = \"../etc/passwd\"", "streams.sinks[0]."),
                           ("[[streams.sinks]]\nstream = \"x\"\nfile = \"/etc/passwd\"", "streams.sinks[0]."),
                           ("[[streams.sinks]]\nstream = \"x\"\nurl = \"file:///etc/passwd\"", "streams.sinks[0]."),
                           ("[[streams.sinks]]\nstream = \"arn:aws:kinesis:x\"\nfile = \"a\"", "streams.sinks[0]."),
                           ("[[streams.sinks]]\nstream = \"x\"", "streams.sinks[0]."),
                           ("[streams]\nallow_any_arn = \"yes\"", "streams.allow_any_arn"),
                           ("[exports]\nmax_concurrent_per_credential = 0", "exports.max_concurrent_per_credential")] {
            XCTAssertThrowsError(try NodeConfig.parse(bad)) { error in
                XCTAssertTrue("\(error)".contains(key), "\(bad): \(error)")
            }
        }
    }
}
