import Foundation
import Ion
import Ledger
import Net
import Raft
import XCTest
@testable import Replica
@testable import Server

/// Catch-up by journal streaming with the real node state machine
/// (`NodeStateMachine: CatchUpSource, CatchUpSink`), directly and through
/// three `RaftDriver`s over mutual TLS; and the `[raft]` config section.
final class NodeCatchUpTests: XCTestCase {
    // MARK: - Helpers

    static func machine(_ dir: String, metadataInterval: UInt64 = 10) throws -> NodeStateMachine {
        try NodeStateMachine(options: LedgerRegistry.Options(dataDirectory: dir + "/ledgers", metadataInterval: metadataInterval))
    }

    static func createCommands(_ name: String, tags: [ResourceTag] = []) -> [NodeCommand] {
        let ids = IDGenerator()
        let ledgerId = ids.next()
        return [.createLedger(.init(name: name, ledgerId: ledgerId, strandId: ids.next(), permissionsMode: "STANDARD",
                                    deletionProtection: false, kmsKey: nil, tags: tags, creationTimeMs: 1_700_000_000_000)),
                .activateLedger(name: name, ledgerId: ledgerId)]
    }

    /// The transaction creating table Cars (apply it before `transactions`).
    static func createTable(_ machine: NodeStateMachine, ledger name: String) throws -> NodeCommand {
        let tx = machine.ledger(named: name)!.begin()
        try tx.recordStatement(text: "CREATE TABLE Cars", parameters: [])
        _ = try tx.createTable(name: "Cars", tags: [])
        return machine.transactionCommand(ledger: name, proposal: try tx.commit()!)
    }

    /// Prepares `count` inserts into Cars (one transaction each) on `machine`'s ledger: the leader's side.
    static func transactions(_ machine: NodeStateMachine, ledger name: String, count: Int, tag: String) throws -> [NodeCommand] {
        let ledger = machine.ledger(named: name)!
        var out: [NodeCommand] = []
        for i in 0..<count {
            let tx = ledger.begin()
            let document: IonValue = .struct([("vin", .string("\(tag)-\(i)")), ("n", .int(i))])
            try tx.recordStatement(text: "INSERT INTO Cars ?", parameters: [document])
            _ = try tx.insert(table: "Cars", document: document)
            out.append(machine.transactionCommand(ledger: name, proposal: try tx.commit()!))
        }
        return out
    }

    /// Creates the ledger and its table Cars on `machine` (applied); returns the commands for other machines.
    @discardableResult
    static func setUp(_ machine: NodeStateMachine, _ names: [String], from index: inout UInt64) throws -> [NodeCommand] {
        let creates = names.flatMap { createCommands($0) }
        try apply(machine, creates, from: &index)
        let tables = try names.map { try createTable(machine, ledger: $0) }
        try apply(machine, tables, from: &index)
        return creates + tables
    }

    /// Applies commands as committed log entries from `index + 1` on, then syncs.
    @discardableResult
    static func apply(_ machine: NodeStateMachine, _ commands: [NodeCommand], from index: inout UInt64) throws -> [ApplyResult] {
        var results: [ApplyResult] = []
        for c in commands {
            index += 1
            results.append(machine.apply(index: index, command: c.encoded()))
        }
        try machine.sync()
        return results
    }

    /// The whole leader → follower stream, as `RaftDriver` runs it; returns the chunk count.
    @discardableResult
    static func stream(from leader: NodeStateMachine, to follower: NodeStateMachine, manifest: [UInt8]) throws -> Int {
        var chunks = 0
        var cursor = try follower.beginCatchUp(manifest: manifest)
        while let c = cursor {
            let (data, next) = try leader.catchUpChunk(manifest: manifest, cursor: c)
            XCTAssertLessThan(data.count, Frame.defaultMaxSize / 2)
            try follower.applyCatchUpChunk(data)
            chunks += 1
            cursor = next
        }
        let index = try CatchUpManifest(manifest).appliedIndex
        try follower.finishCatchUp(index: index)
        return chunks
    }

    func assertSameLedgers(_ a: NodeStateMachine, _ b: NodeStateMachine, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.registry.ledgerInfos.map(\.name), b.registry.ledgerInfos.map(\.name), file: file, line: line)
        for info in a.registry.ledgerInfos {
            XCTAssertEqual(info, b.info(named: info.name), file: file, line: line)
            XCTAssertEqual(a.blockCount(ledger: info.name), b.blockCount(ledger: info.name), info.name, file: file, line: line)
            if (a.blockCount(ledger: info.name) ?? 0) > 0 {
                XCTAssertEqual(try a.digest(ledger: info.name)?.digest, try b.digest(ledger: info.name)?.digest, info.name, file: file, line: line)
            }
        }
    }

    // MARK: - State machine only

    func testStreamingIntoAnEmptyAndALaggingStateMachine() throws {
        let dir = makeTempDirectory(self)
        let leader = try Self.machine(dir + "/leader")
        var index: UInt64 = 0
        try Self.apply(leader, Self.createCommands("cars", tags: [ResourceTag(key: "team", value: "a")]), from: &index)
        try Self.apply(leader, [try Self.createTable(leader, ledger: "cars")], from: &index)
        try Self.setUp(leader, ["gone"], from: &index)
        try Self.apply(leader, try Self.transactions(leader, ledger: "cars", count: 20, tag: "a"), from: &index)
        try Self.apply(leader, try Self.transactions(leader, ledger: "gone", count: 3, tag: "g"), from: &index)

        // An empty node copies the leader's history so far by streaming...
        let follower = try Self.machine(dir + "/follower")
        try leader.checkpoint()
        try Self.stream(from: leader, to: follower, manifest: leader.catchUpManifest())
        XCTAssertEqual(follower.appliedIndex, index)
        XCTAssertEqual(follower.durableIndex, index)
        assertSameLedgers(leader, follower)
        let followerIndex = index

        // ...then the leader goes on: more transactions, a tag, "gone" deleted and purged, a new ledger.
        try Self.apply(leader, try Self.transactions(leader, ledger: "cars", count: 250, tag: "b"), from: &index)
        try Self.apply(leader, [.tagResource(arn: leader.registry.ledgerArn("cars"), tags: [ResourceTag(key: "env", value: "prod")]),
                                .deleteLedger(name: "gone")], from: &index)
        let goneId = leader.info(named: "gone")!.ledgerId
        try Self.apply(leader, [.purgeLedger(name: "gone", ledgerId: goneId)], from: &index)
        try Self.setUp(leader, ["later"], from: &index)
        try Self.apply(leader, try Self.transactions(leader, ledger: "later", count: 5, tag: "l"), from: &index)
        try leader.checkpoint()
        let manifest = leader.catchUpManifest()
        XCTAssertEqual(try CatchUpManifest(manifest).appliedIndex, index)

        // The lagging node streams only what it lacks.
        let chunks = try Self.stream(from: leader, to: follower, manifest: manifest)
        XCTAssertGreaterThanOrEqual(chunks, 1)
        XCTAssertEqual(follower.appliedIndex, index)
        XCTAssertEqual(follower.durableIndex, index)
        XCTAssertGreaterThan(index, followerIndex)
        assertSameLedgers(leader, follower)
        XCTAssertNil(follower.info(named: "gone"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/follower/ledgers/ledgers/\(goneId)"))
        XCTAssertEqual(follower.info(named: "cars")?.tags.map(\.key), ["env", "team"])
        XCTAssertTrue(follower.divergence.isEmpty)

        // Both apply the next entries identically; the follower survives a restart.
        let next = try Self.transactions(leader, ledger: "cars", count: 3, tag: "c")
        var i1 = index, i2 = index
        let r1 = try Self.apply(leader, next, from: &i1)
        let r2 = try Self.apply(follower, next, from: &i2)
        XCTAssertEqual(r1, r2)
        assertSameLedgers(leader, follower)
        try follower.checkpoint()
        follower.close()
        let reopened = try Self.machine(dir + "/follower")
        assertSameLedgers(leader, reopened)
        XCTAssertEqual(reopened.durableIndex, i2)
        reopened.close()
        leader.close()
    }

    func testSmallChunksAndAStaleManifestPrefix() throws {
        let dir = makeTempDirectory(self)
        let leader = try Self.machine(dir + "/leader")
        var index: UInt64 = 0
        try Self.setUp(leader, ["big"], from: &index)
        // Documents of ~100 KB: a 4 MiB chunk holds about 40 blocks.
        let ledger = leader.ledger(named: "big")!
        let blob = String(repeating: "x", count: 100_000)
        for i in 0..<100 {
            let tx = ledger.begin()
            try tx.recordStatement(text: "INSERT INTO Cars ?", parameters: [])
            _ = try tx.insert(table: "Cars", document: .struct([("i", .int(i)), ("pad", .string(blob))]))
            try Self.apply(leader, [leader.transactionCommand(ledger: "big", proposal: try tx.commit()!)], from: &index)
        }
        try leader.checkpoint()
        let manifest = leader.catchUpManifest()
        let manifestIndex = index
        // The leader goes on: the old manifest still serves exactly its prefix.
        let later = try Self.transactions(leader, ledger: "big", count: 5, tag: "more")
        try Self.apply(leader, later, from: &index)
        let follower = try Self.machine(dir + "/follower")
        let chunks = try Self.stream(from: leader, to: follower, manifest: manifest)
        XCTAssertGreaterThanOrEqual(chunks, 3)
        XCTAssertEqual(follower.blockCount(ledger: "big"), 101)
        XCTAssertEqual(follower.appliedIndex, manifestIndex)
        // The later entries apply on top and give the leader's chain.
        var fi = manifestIndex
        try Self.apply(follower, later, from: &fi)
        assertSameLedgers(leader, follower)
        leader.close()
        follower.close()
    }

    func testADifferentJournalIsFlaggedAsDivergence() throws {
        let dir = makeTempDirectory(self)
        let leader = try Self.machine(dir + "/leader")
        let follower = try Self.machine(dir + "/follower")
        var li: UInt64 = 0, fi: UInt64 = 0
        let setup = try Self.setUp(leader, ["a", "b"], from: &li)
        try Self.apply(follower, setup, from: &fi)
        let common = try Self.transactions(leader, ledger: "a", count: 5, tag: "common")
            + Self.transactions(leader, ledger: "b", count: 5, tag: "common-b")
        try Self.apply(leader, common, from: &li)
        try Self.apply(follower, common, from: &fi)
        // Ledger "a": the follower's journal goes another way (its own transaction).
        try Self.apply(follower, try Self.transactions(follower, ledger: "a", count: 1, tag: "mine"), from: &fi)
        try Self.apply(leader, try Self.transactions(leader, ledger: "a", count: 10, tag: "theirs"), from: &li)
        try Self.apply(leader, try Self.transactions(leader, ledger: "b", count: 10, tag: "theirs-b"), from: &li)
        try leader.checkpoint()
        let before = follower.blockCount(ledger: "a")
        try Self.stream(from: leader, to: follower, manifest: leader.catchUpManifest())
        XCTAssertNotNil(follower.divergence["a"], "\(follower.divergence)")
        XCTAssertTrue(follower.divergence["a"]?.contains("DIVERGENCE") == true)
        XCTAssertEqual(follower.blockCount(ledger: "a"), before, "nothing appended to the diverged ledger")
        XCTAssertNil(follower.ledger(named: "a"))
        // Ledger "b" is fine and caught up.
        XCTAssertNil(follower.divergence["b"])
        XCTAssertEqual(try follower.digest(ledger: "b")?.digest, try leader.digest(ledger: "b")?.digest)
        // The flag is durable.
        follower.close()
        let reopened = try Self.machine(dir + "/follower")
        XCTAssertNotNil(reopened.divergence["a"])
        reopened.close()

        // A follower *ahead* whose block at the manifest's tip has another hash: flagged too.
        let ahead = try Self.machine(dir + "/ahead")
        var ai: UInt64 = 0
        try Self.apply(ahead, setup + common, from: &ai)
        try Self.apply(ahead, try Self.transactions(ahead, ledger: "a", count: 30, tag: "ahead"), from: &ai)
        let leader2 = try Self.machine(dir + "/leader2")
        var l2: UInt64 = 0
        try Self.apply(leader2, setup + common, from: &l2)
        try Self.apply(leader2, try Self.transactions(leader2, ledger: "a", count: 3, tag: "other"), from: &l2)
        try leader2.checkpoint()
        try Self.stream(from: leader2, to: ahead, manifest: leader2.catchUpManifest())
        XCTAssertNotNil(ahead.divergence["a"])
        XCTAssertNil(ahead.divergence["b"])
        ahead.close()
        leader2.close()
        leader.close()
    }

    func testAnAbortedStreamLeavesAReplayTailThatTheLogClaims() throws {
        let dir = makeTempDirectory(self)
        let leader = try Self.machine(dir + "/leader")
        let follower = try Self.machine(dir + "/follower")
        var li: UInt64 = 0, fi: UInt64 = 0
        let setup = try Self.setUp(leader, ["a"], from: &li)
        try Self.apply(follower, setup, from: &fi)
        let more = try Self.transactions(leader, ledger: "a", count: 30, tag: "t")
        try Self.apply(leader, more, from: &li)
        try leader.checkpoint()
        let manifest = leader.catchUpManifest()
        // The blocks arrive, then the stream fails before it finishes.
        let cursor = try follower.beginCatchUp(manifest: manifest)!
        let (data, _) = try leader.catchUpChunk(manifest: manifest, cursor: cursor)
        try follower.applyCatchUpChunk(data)
        follower.abortCatchUp()
        XCTAssertEqual(follower.appliedIndex, fi)
        // The log entries are applied on top: each claims its block, with the leader's replies.
        let replies = try Self.apply(follower, more, from: &fi)
        for r in replies { guard case .applied = r else { return XCTFail("\(r)") } }
        XCTAssertEqual(fi, li)
        XCTAssertEqual(try follower.digest(ledger: "a")?.digest, try leader.digest(ledger: "a")?.digest)
        XCTAssertEqual(follower.blockCount(ledger: "a"), leader.blockCount(ledger: "a"))
        // And a stream aborted before anything arrived leaves nothing behind for a new ledger.
        try Self.setUp(leader, ["n"], from: &li)
        try leader.checkpoint()
        let m2 = leader.catchUpManifest()
        let c2 = try follower.beginCatchUp(manifest: m2)
        XCTAssertNotNil(c2)
        let newId = leader.info(named: "n")!.ledgerId
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(dir)/follower/ledgers/ledgers/\(newId)"))
        follower.abortCatchUp()
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/follower/ledgers/ledgers/\(newId)"))
        XCTAssertNil(follower.info(named: "n"))
        leader.close()
        follower.close()
    }

    // MARK: - Three RaftDrivers over NodeStateMachines

    final class LedgerNode {
        let name: String
        let loop: EventLoop
        let driver: RaftDriver
        let machine: NodeStateMachine

        init(name: String, config: RaftDriverConfiguration, dataDir: String) throws {
            self.name = name
            loop = try EventLoop(name: name)
            loop.start()
            machine = try NodeCatchUpTests.machine(dataDir)
            driver = try RaftDriver(configuration: config, loop: loop, stateMachine: machine)
            try driver.start()
        }

        func on<T>(_ body: @escaping () throws -> T) throws -> T { try loop.submit(timeout: .seconds(10), body) }

        var status: ReplicationStatus? { try? on { self.driver.status } }

        /// Proposes commands built on the loop (one loop turn: group commit) and waits for every outcome.
        func propose(_ build: @escaping () throws -> [NodeCommand], timeout: Double = 30) throws -> [ApplyResult] {
            let slots = try on { () -> [ClusterResultSlot<Result<ApplyResult, ReplicationError>>] in
                let commands = try build()
                let slots = commands.map { _ in ClusterResultSlot<Result<ApplyResult, ReplicationError>>() }
                for (c, s) in zip(commands, slots) { self.driver.propose(c.encoded()) { s.set($0) } }
                return slots
            }
            let deadline = Date().addingTimeInterval(timeout)
            return try slots.map { slot in
                guard let r = slot.wait(max(0, deadline.timeIntervalSinceNow)) else { throw NodeCodingError("proposal timed out") }
                return try r.get()
            }
        }

        func digest(_ ledger: String) -> [UInt8]? { try? on { try self.machine.digest(ledger: ledger)?.digest } ?? nil }
        func blocks(_ ledger: String) -> Int? { try? on { self.machine.blockCount(ledger: ledger) } ?? nil }

        func stop() {
            driver.stop()
            try? loop.submit(timeout: .seconds(10)) { self.machine.close() }
            loop.shutdown(timeout: .seconds(10))
        }
    }

    func testLaggingAndWipedNodesCatchUpByStreamingJournals() throws {
        let h = try ClusterHarness(tag: "ledger-catchup")
        h.options.compactionThreshold = 30
        var nodes: [String: LedgerNode] = [:]
        func start(_ n: String) throws -> LedgerNode {
            try FileManager.default.createDirectory(atPath: "\(h.base)/\(n)", withIntermediateDirectories: true)
            let node = try LedgerNode(name: n, config: try h.configuration(n), dataDir: "\(h.base)/\(n)")
            nodes[n] = node
            return node
        }
        func stop(_ n: String) { nodes.removeValue(forKey: n)?.stop() }
        defer { for n in Array(nodes.keys) { stop(n) } }
        func leader() -> LedgerNode? {
            var found: LedgerNode?
            _ = clusterWait(15) {
                let st = nodes.values.compactMap { n in n.status.map { (n, $0) } }
                guard let l = st.first(where: { $0.1.role == .leader }), st.allSatisfy({ $0.1.leaderID == l.1.nodeID }) else { return false }
                found = l.0
                return true
            }
            return found
        }
        func converged(_ ledgers: [String], _ timeout: Double = 30) -> Bool {
            clusterWait(timeout) {
                ledgers.allSatisfy { name in
                    let d = nodes.values.map { $0.digest(name) }
                    return d.count == nodes.count && d.allSatisfy { $0 != nil } && Set(d.compactMap { $0 }).count == 1
                }
            }
        }
        func commit(_ count: Int, _ tag: String, ledger name: String = "cars") throws {
            var done = 0
            while done < count {
                guard let l = leader() else { throw NodeCodingError("no leader") }
                let n = min(50, count - done)
                let results = try l.propose { try Self.transactions(l.machine, ledger: name, count: n, tag: "\(tag)-\(done)") }
                for r in results { guard case .applied = r else { throw NodeCodingError("not applied: \(r)") } }
                done += n
            }
        }

        for n in h.names { _ = try start(n) }
        guard let first = leader() else { return XCTFail("no leader elected") }
        for r in try first.propose({ Self.createCommands("cars") + Self.createCommands("gone") }) {
            guard case .applied = r else { return XCTFail("\(r)") }
        }
        for r in try first.propose({ try ["cars", "gone"].map { try Self.createTable(first.machine, ledger: $0) } }) {
            guard case .applied = r else { return XCTFail("\(r)") }
        }
        try commit(20, "warm")
        try commit(3, "g", ledger: "gone")
        XCTAssertTrue(converged(["cars", "gone"]))

        // 1. A lagging node: stopped while a few hundred transactions commit and "gone" is purged.
        let lagger = h.names.first { $0 != leader()!.name }!
        stop(lagger)
        try commit(300, "away")
        let l = leader()!
        let goneId = try l.on { l.machine.info(named: "gone")!.ledgerId }
        for r in try l.propose({ [.deleteLedger(name: "gone")] }) + (try l.propose { [.purgeLedger(name: "gone", ledgerId: goneId)] }) {
            guard case .applied = r else { return XCTFail("\(r)") }
        }
        try commit(10, "after-purge")
        try l.on { try l.machine.checkpoint(); l.driver.compactNow() }
        let firstIndex = try l.on { l.driver.logBounds.first }
        XCTAssertGreaterThan(firstIndex, 100, "leader log was not compacted")
        let back = try start(lagger)
        XCTAssertTrue(converged(["cars"]), "lagging node did not catch up")
        let stats = try back.on { back.driver.catchUpStats }
        XCTAssertGreaterThanOrEqual(stats.completed, 1, "catch-up did not go through streaming: \(stats)")
        XCTAssertGreaterThanOrEqual(stats.chunksReceived, 1, "\(stats)")
        XCTAssertTrue(clusterWait(10) { (try? back.on { back.machine.info(named: "gone") }) ?? nil == nil })
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(h.base)/\(lagger)/ledgers/ledgers/\(goneId)"))
        XCTAssertTrue(try back.on { back.machine.divergence.isEmpty })

        // It keeps replicating normally afterwards.
        try commit(20, "later")
        XCTAssertTrue(converged(["cars"]))

        // 2. An empty node: stopped, data directory wiped, restarted.
        let wiped = h.names.first { $0 != leader()!.name && $0 != lagger } ?? lagger
        stop(wiped)
        try FileManager.default.removeItem(atPath: "\(h.base)/\(wiped)")
        try commit(100, "wiped-away")
        let l2 = leader()!
        try l2.on { try l2.machine.checkpoint(); l2.driver.compactNow() }
        let fresh = try start(wiped)
        XCTAssertTrue(converged(["cars"]), "wiped node did not rebuild")
        let freshStats = try fresh.on { fresh.driver.catchUpStats }
        XCTAssertGreaterThanOrEqual(freshStats.completed, 1, "\(freshStats)")
        XCTAssertGreaterThanOrEqual(freshStats.chunksReceived, 1)
        let infos = try nodes.values.map { n in try n.on { n.machine.registry.ledgerInfos } }
        XCTAssertEqual(Set(infos.map { $0.map(\.ledgerId) }).count, 1, "every node has the leader's ledger ids")
        try commit(10, "end")
        XCTAssertTrue(converged(["cars"]))
        // Restarted once more, the rebuilt node reopens its own (verified) journals.
        stop(wiped)
        _ = try start(wiped)
        try commit(5, "final")
        XCTAssertTrue(converged(["cars"]))
        let counts = nodes.values.compactMap { $0.blocks("cars") }
        XCTAssertEqual(counts.count, 3)
        XCTAssertEqual(Set(counts).count, 1)
    }

    // MARK: - [raft] configuration

    func testRaftConfigSection() throws {
        XCTAssertEqual(try NodeConfig.parse("").raft, NodeConfig.Raft())
        let c = try NodeConfig.parse("""
        [raft]
        tick_ms = 50
        election_ticks = 20
        heartbeat_ticks = 2
        compaction_threshold = 20
        """)
        XCTAssertEqual(c.raft.tickMilliseconds, 50)
        XCTAssertEqual(c.raft.electionTicks, 20)
        XCTAssertEqual(c.raft.heartbeatTicks, 2)
        XCTAssertEqual(c.raft.compactionThreshold, 20)
        XCTAssertEqual(NodeConfig.Raft().tickMilliseconds, 100)
        XCTAssertEqual(NodeConfig.Raft().electionTicks, 10)
        XCTAssertEqual(NodeConfig.Raft().heartbeatTicks, 1)
        XCTAssertEqual(NodeConfig.Raft().compactionThreshold, 10_000)
        func error(_ text: String) -> String {
            do { _ = try NodeConfig.parse(text); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(error("[raft]\ntick_msec = 5"), "unknown key 'raft.tick_msec'")
        XCTAssertEqual(error("[raft]\ntick_ms = \"fast\""), "raft.tick_ms must be an integer, got string")
        XCTAssertEqual(error("[raft]\ncompaction_threshold = 0"), "raft.compaction_threshold must be greater than 0, got 0")
        XCTAssertTrue(error("[raft]\nheartbeat_ticks = 10").contains("less than raft.election_ticks"))
        XCTAssertEqual(error("raft = 3"), "raft must be a table, got integer")
    }
}
