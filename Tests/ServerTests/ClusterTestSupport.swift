import Foundation
import Ion
import Net
import Raft
import XCTest
@testable import Replica
@testable import Server

/// Polls `condition` every 10 ms for at most `timeout` seconds.
func clusterWait(_ timeout: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// Raft log entries `range` of `term`, whose data names both (storage tests).
func clusterEntries(_ range: ClosedRange<UInt64>, term: UInt64) -> [Entry] {
    range.map { Entry(term: term, index: $0, kind: .normal, data: Array("entry-\($0)-t\(term)".utf8)) }
}

/// Where a Raft log segment's records end (its preallocated zeros, if any, begin).
func raftRecordsEnd(_ segment: [UInt8]) -> Int {
    var pos = RaftLogFormat.segmentHeaderSize
    while case .record(_, let next) = RaftLogFormat.readRecord(segment, at: pos) { pos = next }
    return pos
}

/// `segment` with `bytes` written at its records' end, in place: over the
/// preallocated zeros, or appended when it has none (where a torn write lands).
func raftSegment(_ segment: [UInt8], writing bytes: some Collection<UInt8>) -> [UInt8] {
    let end = raftRecordsEnd(segment)
    let tail = segment.count > end + bytes.count ? segment[(end + bytes.count)...] : []
    return Array(segment[..<end]) + bytes + tail
}

/// Every entry `storage` holds.
func allEntries(_ storage: FileRaftStorage) throws -> [Entry] {
    try storage.entries(from: storage.firstIndex, to: storage.lastIndex + 1, maxSize: .max)
}

func clusterTempDir(_ tag: String) -> String {
    let dir = NSTemporaryDirectory() + "tally-cluster-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Certificates made with the openssl CLI, once per process: `ca`, `node1`…`node4`
/// (CN and SAN = node id, IP 127.0.0.1), and `rogue3` (CN node3) from `rogue-ca`.
struct ClusterCerts: Sendable {
    let dir: String
    static let shared: Result<ClusterCerts, Error> = Result { try generate() }

    func files(_ name: String, ca: String = "ca") -> PeerTLSFiles {
        PeerTLSFiles(certificateFile: "\(dir)/\(name).pem", privateKeyFile: "\(dir)/\(name).key", caFile: "\(dir)/\(ca).pem")
    }

    private static func generate() throws -> ClusterCerts {
        let dir = clusterTempDir("certs")
        let script = #"""
        set -e
        gen_ca() {
          openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.pem" \
            -days 2 -subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        }
        gen_leaf() {
          openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.csr" \
            -subj "/CN=$3/O=Tally" 2>/dev/null
          printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:%s,IP:127.0.0.1\n' "$3" > "$1.ext"
          openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext" 2>/dev/null
        }
        gen_ca ca "Tally Cluster Test CA"
        gen_ca rogue-ca "Rogue CA"
        for n in node1 node2 node3 node4; do gen_leaf $n ca $n; done
        gen_leaf rogue3 rogue-ca node3
        """#
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw RaftStorageFailure("openssl certificate generation failed") }
        return ClusterCerts(dir: dir)
    }
}

/// The toy state machine: an append-only list of commands with a running
/// SHA-256 chain, kept durable in one file ([u8 kind][u64 index][u32 len][data]
/// records; kind 0 = item, 1 = applied-index mark). Catch-up streams items.
final class ClusterToyChain: ReplicatedStateMachine, CatchUpSource, CatchUpSink {
    let path: String
    private(set) var items: [[UInt8]] = []
    private(set) var hashes: [[UInt8]] = [[UInt8](repeating: 0, count: 32)]
    private(set) var applied: UInt64 = 0
    private var durable: UInt64 = 0
    private var syncedItems = 0
    private var catchUpBase: (items: Int, applied: UInt64)?
    private var catchUpTarget: (count: Int, hash: [UInt8])?
    var chunkSize = 16

    init(path: String) {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let b = [UInt8](data)
        var i = 0
        var itemsAtMark = 0
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 << 8 | UInt64(b[at + $1]) } }
        while i + 13 <= b.count {
            let kind = b[i]
            let index = u64(i + 1)
            let len = Int((0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(b[i + 9 + $1]) })
            guard i + 13 + len <= b.count else { break }
            if kind == 0 { append(Array(b[(i + 13)..<(i + 13 + len)])) } else { applied = index; itemsAtMark = items.count }
            i += 13 + len
        }
        items.removeSubrange(itemsAtMark...)  // written after the last mark: not synced
        hashes.removeSubrange((itemsAtMark + 1)...)
        durable = applied
        syncedItems = items.count
    }

    var chainHash: [UInt8] { hashes.last! }
    var count: Int { items.count }

    private func append(_ item: [UInt8]) {
        items.append(item)
        hashes.append(SHA256.hash(hashes.last!, item))
    }

    func apply(index: UInt64, command: [UInt8]) -> ApplyResult {
        append(command)
        applied = index
        return .applied(reply: chainHash)
    }

    func sync() throws {
        var out: [UInt8] = []
        func rec(_ kind: UInt8, _ index: UInt64, _ data: [UInt8]) {
            out.append(kind)
            for s in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: index >> UInt64(s))) }
            for s in stride(from: 24, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: UInt32(data.count) >> UInt32(s))) }
            out.append(contentsOf: data)
        }
        for item in items[syncedItems...] { rec(0, 0, item) }
        rec(1, applied, [])
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let h = FileHandle(forWritingAtPath: path) else { throw RaftStorageFailure("cannot open \(path)") }
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: out)
        try h.synchronize()
        syncedItems = items.count
        durable = applied
    }

    var durableIndex: UInt64 { durable }

    // Catch-up: manifest = u64 count + 32-byte chain hash; cursor = u64 item position.
    func catchUpManifest() -> [UInt8] { enc(UInt64(items.count)) + chainHash }

    func catchUpChunk(manifest: [UInt8], cursor: [UInt8]) throws -> (data: [UInt8], next: [UInt8]?) {
        guard manifest.count == 40, cursor.count == 8 else { throw RaftStorageFailure("bad manifest or cursor") }
        let count = Int(dec(manifest)), start = Int(dec(cursor))
        guard count <= items.count, start <= count else { throw RaftStorageFailure("manifest beyond this node's chain") }
        let end = min(count, start + chunkSize)
        var data: [UInt8] = []
        for item in items[start..<end] { data += enc(UInt64(item.count)) + item }
        return (data, end < count ? enc(UInt64(end)) : nil)
    }

    func beginCatchUp(manifest: [UInt8]) throws -> [UInt8]? {
        guard manifest.count == 40 else { throw RaftStorageFailure("bad manifest") }
        let count = Int(dec(manifest))
        guard count >= items.count else { throw RaftStorageFailure("local chain is longer than the manifest") }
        catchUpBase = (items.count, applied)
        catchUpTarget = (count, Array(manifest[8...]))
        return count == items.count ? nil : enc(UInt64(items.count))
    }

    func applyCatchUpChunk(_ data: [UInt8]) throws {
        var i = 0
        while i < data.count {
            guard i + 8 <= data.count else { throw RaftStorageFailure("torn chunk") }
            let n = Int(dec(Array(data[i..<i + 8])))
            guard i + 8 + n <= data.count else { throw RaftStorageFailure("torn chunk") }
            append(Array(data[(i + 8)..<(i + 8 + n)]))
            i += 8 + n
        }
    }

    func finishCatchUp(index: UInt64) throws {
        guard let t = catchUpTarget, t.count == items.count, t.hash == chainHash else {
            throw RaftStorageFailure("caught-up chain does not match the manifest")
        }
        applied = index
        catchUpBase = nil
        catchUpTarget = nil
        try sync()
    }

    func abortCatchUp() {
        guard let base = catchUpBase else { return }
        items.removeSubrange(base.items...)
        hashes.removeSubrange((base.items + 1)...)
        applied = base.applied
        catchUpBase = nil
        catchUpTarget = nil
    }

    private func enc(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> UInt64(56 - 8 * $0)) } }
    private func dec(_ b: [UInt8]) -> UInt64 { b.prefix(8).reduce(0) { $0 << 8 | UInt64($1) } }
}

/// One node of an in-process test cluster: its own loop, driver and toy chain.
final class ClusterTestNode {
    let name: String
    let loop: EventLoop
    let driver: RaftDriver
    let chain: ClusterToyChain

    init(name: String, config: RaftDriverConfiguration, dataDir: String) throws {
        self.name = name
        loop = try EventLoop(name: name)
        loop.start()
        chain = ClusterToyChain(path: dataDir + "/chain")
        driver = try RaftDriver(configuration: config, loop: loop, stateMachine: chain)
        try driver.start()
    }

    func on<T>(_ body: @escaping () throws -> T) throws -> T { try loop.submit(timeout: .seconds(10), body) }

    var status: ReplicationStatus? { try? on { self.driver.status } }
    var chainState: (count: Int, hash: [UInt8], applied: UInt64)? { try? on { (self.chain.count, self.chain.chainHash, self.chain.applied) } }

    /// Proposes and waits (bounded) for the outcome.
    func propose(_ data: [UInt8], timeout: Double = 10) -> Result<ApplyResult, ReplicationError>? {
        let box = ClusterResultSlot<Result<ApplyResult, ReplicationError>>()
        loop.execute { self.driver.propose(data) { box.set($0) } }
        return box.wait(timeout)
    }

    /// Proposes all of `commands` at once (one loop turn: group commit) and waits for every outcome.
    func proposeAll(_ commands: [[UInt8]], timeout: Double = 30) -> [Result<ApplyResult, ReplicationError>?] {
        let slots = commands.map { _ in ClusterResultSlot<Result<ApplyResult, ReplicationError>>() }
        loop.execute {
            for (c, s) in zip(commands, slots) { self.driver.propose(c) { s.set($0) } }
        }
        let deadline = Date().addingTimeInterval(timeout)
        return slots.map { $0.wait(max(0, deadline.timeIntervalSinceNow)) }
    }

    func stop() {
        driver.stop()
        loop.shutdown(timeout: .seconds(10))
    }
}

final class ClusterResultSlot<T>: @unchecked Sendable {
    private let lock = NSCondition()
    private var value: T?
    func set(_ v: T) { lock.lock(); if value == nil { value = v }; lock.broadcast(); lock.unlock() }
    func wait(_ timeout: Double) -> T? {
        let deadline = Date().addingTimeInterval(timeout)
        lock.lock(); defer { lock.unlock() }
        while value == nil && lock.wait(until: deadline) {}
        return value
    }
}

/// Three (or more) nodes on loopback over real mutual TLS.
final class ClusterHarness {
    let base: String
    let certs: ClusterCerts
    let names: [String]
    let ports: [String: Int]
    var options = RaftDriverOptions()
    var nodes: [String: ClusterTestNode] = [:]

    init(count: Int = 3, tag: String) throws {
        certs = try ClusterCerts.shared.get()
        base = clusterTempDir(tag)
        names = (1...count).map { "node\($0)" }
        var p: [String: Int] = [:]
        for n in names { p[n] = LoopbackTestPort.next() }
        ports = p
        options.tickInterval = .milliseconds(50)
        options.electionTicks = 10
        options.compactionThreshold = 1_000_000
        options.snapshotStallTimeout = .seconds(2)
        options.readIndexTimeout = .seconds(3)
    }

    func configuration(_ name: String, tls: PeerTLSFiles? = nil) throws -> RaftDriverConfiguration {
        let peers = try names.map { try ClusterPeer(name: $0, host: "127.0.0.1", port: ports[$0]!) }
        return try RaftDriverConfiguration(nodeName: name, listenHost: "127.0.0.1", listenPort: ports[name]!, peers: peers,
                                           raftDirectory: "\(base)/\(name)/raft", tls: tls ?? certs.files(name), options: options)
    }

    @discardableResult
    func start(_ name: String, tls: PeerTLSFiles? = nil) throws -> ClusterTestNode {
        try FileManager.default.createDirectory(atPath: "\(base)/\(name)", withIntermediateDirectories: true)
        let n = try ClusterTestNode(name: name, config: try configuration(name, tls: tls), dataDir: "\(base)/\(name)")
        nodes[name] = n
        return n
    }

    func stop(_ name: String) {
        nodes.removeValue(forKey: name)?.stop()
    }

    func stopAll() { for n in Array(nodes.keys) { stop(n) } }

    /// The node every running node agrees is the leader (and that says it leads).
    func leader(among: [String]? = nil) -> ClusterTestNode? {
        let members = nodes.filter { among?.contains($0.key) ?? true }.values
        let statuses = members.compactMap { n in n.status.map { (n, $0) } }
        guard let l = statuses.first(where: { $0.1.role == .leader }) else { return nil }
        return statuses.allSatisfy({ $0.1.leaderID == l.1.nodeID }) ? l.0 : nil
    }

    func waitLeader(_ timeout: Double = 15, among: [String]? = nil) -> ClusterTestNode? {
        var found: ClusterTestNode?
        _ = clusterWait(timeout) { found = leader(among: among); return found != nil }
        return found
    }

    /// Waits until every running node's chain equals `count` items with the same hash.
    func waitConverged(count: Int, _ timeout: Double = 20) -> Bool {
        clusterWait(timeout) {
            let states = nodes.values.compactMap(\.chainState)
            guard states.count == nodes.count, let h = states.first?.hash else { return false }
            return states.allSatisfy { $0.count == count && $0.hash == h }
        }
    }

    deinit {
        stopAll()
        try? FileManager.default.removeItem(atPath: base)
    }
}
