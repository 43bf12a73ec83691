import Checksum
import Foundation
import Raft
import XCTest
@testable import Replica
@testable import Server

/// What membership changes need from the node's storage and wire: learners in
/// the snapshot file and message, member addresses in change entries and in
/// `raft/members`, `join = true`.
final class ClusterMembershipStorageTests: XCTestCase {
    private let conf = ConfState(voters: [1, 2, 4], learners: [5])

    func testSnapshotFileKeepsLearnersAndStillReadsTheOldFormat() throws {
        let dir = clusterTempDir("members-snap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let s = try FileRaftStorage(directory: dir, voters: [1, 2, 3], segmentSize: 400)
        let entries = (1...5).map { Entry(term: 1, index: UInt64($0), kind: .normal, data: [UInt8($0)]) }
        try s.save(hardState: HardState(term: 1, vote: 1, commit: 5), entries: entries)
        try s.createSnapshot(at: 4, confState: conf, data: [7])
        s.close()
        let r = try FileRaftStorage(directory: dir, voters: [1, 2, 3], segmentSize: 400)
        XCTAssertEqual(r.initialState().confState, conf, "the stored configuration wins over the bootstrap voters")
        r.close()

        // A snapshot file written before learners existed ("TRAFTSN1": voters only).
        var w = ByteWriter()
        w.raw(Array("TRAFTSN1".utf8))
        w.u64(9)
        w.u64(2)
        w.u32(3)
        for v: UInt64 in [1, 2, 3] { w.u64(v) }
        w.u32(1)
        w.raw([42])
        w.u32(CRC32C.checksum(w.bytes))
        let old = try RaftLogFormat.decodeSnapshot(w.bytes)
        XCTAssertEqual(old.metadata, SnapshotMetadata(index: 9, term: 2, confState: ConfState(voters: [1, 2, 3])))
        XCTAssertEqual(old.data, [42])
        let current = Snapshot(metadata: SnapshotMetadata(index: 9, term: 2, confState: conf), data: [42])
        XCTAssertEqual(try RaftLogFormat.decodeSnapshot(RaftLogFormat.encodeSnapshot(current)), current)
    }

    func testSnapshotMessageCarriesLearners() throws {
        for c in [conf, ConfState(voters: [1, 2, 3])] {
            let m = Message(kind: .snapshot, from: 1, to: 5, term: 3,
                            snapshot: Snapshot(metadata: SnapshotMetadata(index: 9, term: 3, confState: c), data: [1]))
            let bytes = RaftMessageCodec.encode(m)
            XCTAssertEqual(try RaftMessageCodec.decode(bytes), m)
            for cut in 0..<bytes.count { XCTAssertThrowsError(try RaftMessageCodec.decode(Array(bytes[0..<cut]))) }
        }
    }

    func testMemberAddressesInChangeEntriesAndTheMemberFile() throws {
        let a = MemberAddress(name: "node4", host: "127.0.0.1", port: 7446)
        XCTAssertEqual(MemberAddress(context: a.context), a)
        XCTAssertEqual(MemberAddress(context: Array("node5 [::1]:7447".utf8)), MemberAddress(name: "node5", host: "::1", port: 7447))
        for bad in ["", "node4", "node4 host", "node4 host:0", "node4 host:99999", "node4 :7446", "a b c:1"] {
            XCTAssertNil(MemberAddress(context: Array(bad.utf8)), bad)
        }
        let dir = clusterTempDir("members-file")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = MemberFile(raftDirectory: dir + "/raft")
        XCTAssertEqual(file.load(), [])
        try file.add(a)
        try file.add(MemberAddress(name: "node5", host: "10.0.0.5", port: 7443))
        try file.add(MemberAddress(name: "node4", host: "10.0.0.4", port: 7443))
        XCTAssertEqual(file.load(), [MemberAddress(name: "node5", host: "10.0.0.5", port: 7443),
                                     MemberAddress(name: "node4", host: "10.0.0.4", port: 7443)])
    }

    func testKnownPeersAddMembersFromTheFileButTheConfigurationWins() throws {
        let dir = clusterTempDir("members-peers")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = try NodeConfig.parse("""
            node_id = "node1"
            join = true
            [[peers]]
            id = "node2"
            address = "127.0.0.1:7002"
            """)
        XCTAssertTrue(config.join)
        XCTAssertFalse(try NodeConfig.parse("node_id = \"node1\"").join)
        config.dataDirectory = dir
        let file = MemberFile(raftDirectory: dir + "/raft")
        try file.add(MemberAddress(name: "node2", host: "10.9.9.9", port: 1))
        try file.add(MemberAddress(name: "node4", host: "127.0.0.1", port: 7004))
        try file.add(MemberAddress(name: "node1", host: "127.0.0.1", port: 7001))
        let peers = try Node.knownPeers(config)
        XCTAssertEqual(peers.map(\.name), ["node2", "node4"])
        XCTAssertEqual(peers[0].host, "127.0.0.1", "the configuration file wins")
        XCTAssertEqual(peers[1].port, 7004)
    }

    func testShippedSpareConfigurationsJoin() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for n in [4, 5] {
            let config = try NodeConfig.load(path: root.appendingPathComponent("cluster/spares/node\(n).toml").path)
            XCTAssertTrue(config.join)
            XCTAssertEqual(config.nodeID, "node\(n)")
            XCTAssertEqual(config.peers.map(\.id), ["node1", "node2", "node3"])
        }
    }
}
