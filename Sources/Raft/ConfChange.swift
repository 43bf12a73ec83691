/// One single-server membership change (Raft thesis §4.1): the configurations
/// before and after differ by one server, so any majority of the old one and
/// any majority of the new one overlap and no joint configuration is needed.
///
/// Adding a server is two changes: `addLearner` (it receives the log but does
/// not vote and is not counted) and, once it caught up, `promote`. Replacing a
/// dead voter is add learner, promote, `remove` the dead one.
public struct ConfChange: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Hashable {
        case addLearner = 1
        /// Learner → voter.
        case promote = 2
        /// Removes a voter or a learner.
        case remove = 3
    }

    public var kind: Kind
    public var node: NodeID
    /// Opaque to Raft; Tally carries the added node's name and peer address.
    public var context: [UInt8]

    public init(_ kind: Kind, node: NodeID, context: [UInt8] = []) {
        self.kind = kind
        self.node = node
        self.context = context
    }

}

/// What a configuration-change entry carries: the change and the whole
/// configuration it leads to, so that a node that joins with an empty log
/// (and never saw the bootstrap configuration) learns the full membership.
public struct ConfChangeRecord: Sendable, Hashable {
    public var change: ConfChange
    public var conf: ConfState

    public init(change: ConfChange, conf: ConfState) {
        self.change = change
        self.conf = conf
    }

    /// `u8 kind, u64 node, u16 voter count, u64 voters…, u16 learner count,
    /// u64 learners…, context` (integers big-endian).
    public var encoded: [UInt8] {
        var out: [UInt8] = [change.kind.rawValue]
        func u64(_ v: UInt64) {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        }
        u64(change.node)
        for ids in [conf.voters, conf.learners] {
            out += [UInt8(ids.count >> 8), UInt8(truncatingIfNeeded: ids.count)]
            ids.forEach(u64)
        }
        return out + change.context
    }

    /// Decodes `encoded`; nil if malformed.
    public init?(encoded bytes: [UInt8]) {
        var pos = 0
        func take(_ n: Int) -> ArraySlice<UInt8>? {
            guard bytes.count - pos >= n else { return nil }
            defer { pos += n }
            return bytes[pos..<(pos + n)]
        }
        func u64() -> UInt64? { take(8).map { $0.reduce(0) { $0 << 8 | UInt64($1) } } }
        func ids() -> [NodeID]? {
            guard let n = take(2).map({ Int($0.first!) << 8 | Int($0.last!) }) else { return nil }
            var out: [NodeID] = []
            for _ in 0..<n {
                guard let id = u64(), id != noNode else { return nil }
                out.append(id)
            }
            return out
        }
        guard let k = take(1)?.first, let kind = ConfChange.Kind(rawValue: k), let node = u64(), node != noNode,
              let voters = ids(), let learners = ids(), Set(voters).isDisjoint(with: learners) else { return nil }
        self.init(change: ConfChange(kind, node: node, context: Array(bytes[pos...])),
                  conf: ConfState(voters: voters, learners: learners))
    }
}

extension ConfState {
    /// The configuration after `change`, or why it does not apply.
    public func applying(_ change: ConfChange) -> Result<ConfState, ConfChangeError> {
        let id = change.node
        switch change.kind {
        case .addLearner:
            if contains(id) { return .failure(ConfChangeError("node \(id) is already a member")) }
            return .success(ConfState(voters: voters, learners: learners + [id]))
        case .promote:
            guard learners.contains(id) else { return .failure(ConfChangeError("node \(id) is not a learner")) }
            return .success(ConfState(voters: voters + [id], learners: learners.filter { $0 != id }))
        case .remove:
            guard contains(id) else { return .failure(ConfChangeError("node \(id) is not a member")) }
            if voters == [id] { return .failure(ConfChangeError("node \(id) is the last voter")) }
            return .success(ConfState(voters: voters.filter { $0 != id }, learners: learners.filter { $0 != id }))
        }
    }
}

public struct ConfChangeError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
