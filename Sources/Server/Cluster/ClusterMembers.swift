import Foundation
import Ledger
import Raft
import Replica

/// Where an added member is reached, carried in its `addLearner` change's
/// context (`Raft.ConfChange.context`) as the UTF-8 text `name host:port`, so
/// every node learns it from the log.
public struct MemberAddress: Sendable, Equatable {
    public var name: String
    public var host: String
    public var port: Int

    public init(name: String, host: String, port: Int) {
        self.name = name
        self.host = host
        self.port = port
    }

    public var context: [UInt8] { Array("\(name) \(host):\(port)".utf8) }

    public init?(context: [UInt8]) {
        let text = String(decoding: context, as: UTF8.self)
        let parts = text.split(separator: " ")
        guard parts.count == 2, let colon = parts[1].lastIndex(of: ":"),
              let port = Int(parts[1][parts[1].index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = String(parts[1][..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(name: String(parts[0]), host: host, port: port)
    }

    public func peer() throws -> ClusterPeer { try ClusterPeer(name: name, host: host, port: port) }
}

/// `<data>/raft/members`: the addresses of members added through the log,
/// one `name host:port` line each, so that a restarted node reaches them
/// (their change entries may be compacted away). Replaced atomically and durably.
public struct MemberFile {
    public let path: String

    public init(raftDirectory: String) {
        path = raftDirectory + "/members"
    }

    public func load() -> [MemberAddress] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { MemberAddress(context: Array($0.utf8)) }
    }

    /// Records `member` (replacing an earlier address of the same name).
    public func add(_ member: MemberAddress) throws {
        var members = load().filter { $0.name != member.name }
        members.append(member)
        let text = members.map { String(decoding: $0.context, as: UTF8.self) + "\n" }.joined()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try AtomicFile.replace(path, with: Array(text.utf8))
    }
}
