/// A read-index request that has been confirmed: every entry up to `index`
/// was committed when the request was made, and leadership was confirmed by a
/// quorum afterwards. Once the application has applied up to `index`, it may
/// serve the read identified by `context` linearizably.
public struct ReadState: Sendable, Hashable {
    public var index: LogIndex
    public var context: [UInt8]

    public init(index: LogIndex, context: [UInt8]) {
        self.index = index
        self.context = context
    }
}

/// The leader's pending read-index requests (etcd's read_only.go, safe mode):
/// each records the commit index at arrival and waits for heartbeat
/// acknowledgements from a quorum that carry its context (or a later one).
struct ReadOnly: Sendable {
    struct Pending: Sendable {
        var request: Message
        var index: LogIndex
        var acks: Set<NodeID>
    }

    private var pending: [[UInt8]: Pending] = [:]
    /// Contexts in arrival order.
    private var queue: [[UInt8]] = []

    var isEmpty: Bool { queue.isEmpty }

    mutating func add(index: LogIndex, request: Message) {
        guard pending[request.context] == nil else { return }
        pending[request.context] = Pending(request: request, index: index, acks: [])
        queue.append(request.context)
    }

    /// Records an acknowledgement; returns the acknowledgers so far, or nil if
    /// the context is unknown.
    mutating func recordAck(from id: NodeID, context: [UInt8]) -> Set<NodeID>? {
        guard pending[context] != nil else { return nil }
        pending[context]!.acks.insert(id)
        return pending[context]!.acks
    }

    /// Releases the request with `context` and every request queued before it
    /// (a heartbeat quorum for a later request confirms the earlier ones too).
    mutating func release(upTo context: [UInt8]) -> [Pending] {
        guard let position = queue.firstIndex(of: context) else { return [] }
        let released = queue[...position].compactMap { pending.removeValue(forKey: $0) }
        queue.removeFirst(position + 1)
        return released
    }

    /// The newest pending context, carried by heartbeats.
    var lastPendingContext: [UInt8] { queue.last ?? [] }
}
