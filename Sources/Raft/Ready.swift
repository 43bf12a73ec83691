/// Everything the core asks the outside world to do, handed out by
/// `RawNode.ready()` and acknowledged with `RawNode.advance(_:)`.
///
/// Handle it in this order — the persist-before-send rule is what makes votes
/// and acknowledgements mean something after a crash:
///
/// 1. `snapshot`: if set, install it in storage (`applySnapshot`) and restore
///    the application's state from it.
/// 2. `entries`: append to storage (replacing any conflicting suffix).
/// 3. `hardState`: if set, store it.
/// 4. Make 1–3 durable (fsync) when `mustSync` is true.
/// 5. Only then send `messages`. (A vote or an append acknowledgement promises
///    that the state behind it survives a crash.)
///
/// `messagesBeforePersisting` may be sent at any point, best before step 1:
/// they are a leader's appends, heartbeats, snapshots and timeout-nows, which
/// promise nothing about its storage. So the leader's fsync and its
/// followers' run at the same time (Raft thesis §10.2.1); the leader counts
/// its own copy toward a commit only when `advance` says it is durable.
/// 6. Apply `committedEntries` in order; serve `readStates` once applied up to
///    their index.
/// 7. Call `advance(ready)`; do not call `ready()` again before that.
public struct Ready: Sendable {
    /// Set when role, leader or term changed since the last Ready.
    public var softState: SoftState?
    /// Set when term, vote or commit changed since the last Ready: persist it.
    public var hardState: HardState?
    /// New log entries to persist. Their first index may be ≤ the stored last
    /// index: the stored suffix from there on must then be replaced.
    public var entries: [Entry]
    /// A snapshot received from the leader, to install before anything else.
    public var snapshot: Snapshot?
    /// Entries now committed, to apply to the state machine in order.
    public var committedEntries: [Entry]
    /// Messages to send once the above is durable.
    public var messages: [Message]
    /// Messages that may be sent before the above is durable.
    public var messagesBeforePersisting: [Message]
    /// Confirmed read-index requests.
    public var readStates: [ReadState]
    /// Whether persisting this Ready requires an fsync (new entries, or a new
    /// term or vote; a commit-only change does not).
    public var mustSync: Bool

    /// True when there is nothing to do.
    public var isEmpty: Bool {
        softState == nil && hardState == nil && entries.isEmpty && snapshot == nil
            && committedEntries.isEmpty && messages.isEmpty && messagesBeforePersisting.isEmpty
            && readStates.isEmpty
    }
}
