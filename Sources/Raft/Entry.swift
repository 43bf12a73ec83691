/// Identifies a node in the cluster. `noNode` (0) means "nobody".
public typealias NodeID = UInt64
/// A Raft term. Terms only grow.
public typealias Term = UInt64
/// A position in the replicated log; the first real entry has index 1.
public typealias LogIndex = UInt64

/// "No node": no vote cast, no leader known.
public let noNode: NodeID = 0

/// What an entry carries.
public enum EntryKind: UInt8, Sendable, Hashable {
    /// Application data (in Tally: a block proposal).
    case normal = 0
    /// The empty entry a new leader appends at the start of its term, so that it
    /// can commit (and learn the commit index of) everything before it.
    case empty = 1
    /// A membership change: `data` is an encoded `ConfChange`. It takes effect
    /// on each node as soon as the node appends it (see `Raft+Membership.swift`).
    case confChange = 2
}

/// One entry of the replicated log.
public struct Entry: Sendable, Hashable {
    public var term: Term
    public var index: LogIndex
    public var kind: EntryKind
    /// Opaque to Raft.
    public var data: [UInt8]

    public init(term: Term = 0, index: LogIndex = 0, kind: EntryKind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// Approximate encoded size, used for batching limits (`Config.maxSizePerMsg`).
    public var size: Int { data.count + 24 }
}

/// Keeps a prefix of `entries` whose total size is at most `maxSize`, but always
/// at least one entry (so progress is possible with huge entries).
func limitSize(_ entries: [Entry], _ maxSize: Int) -> [Entry] {
    guard entries.count > 1 else { return entries }
    var total = entries[0].size
    var n = 1
    while n < entries.count {
        total += entries[n].size
        if total > maxSize { break }
        n += 1
    }
    return n == entries.count ? entries : Array(entries[0..<n])
}
