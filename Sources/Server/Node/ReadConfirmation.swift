/// A read-index round asked for as soon as a statement that wrote nothing has
/// read, so that the read-only commit after it finds the round confirmed (or
/// nearly) instead of starting one and waiting a round trip to the followers.
///
/// Why a round asked for before the commit is enough: the round starts at T,
/// after the reads. The commit checks every read against this node's state at
/// V, once the node has applied its earlier terms' entries (OCC), so each value
/// read is still the state's at min(T, V). A quorum that confirms this node's
/// term at T means no other leader acknowledged a write before T, and this
/// node acknowledges a write only once applied: up to T, its state holds every
/// write acknowledged before. min(T, V) lies within the transaction, so the
/// transaction is linearizable there. A later statement or streamed page
/// voids the round (its reads come after T); the commit then asks for one.
/// Loop thread only.
final class ReadConfirmation {
    private var outcome: Result<Void, CommitFailure>?
    private var waiters: [(Result<Void, CommitFailure>) -> Void] = []

    init(_ directory: LedgerDirectory) {
        directory.confirmLeadership { [self] result in
            outcome = result
            let waiting = waiters
            waiters = []
            for done in waiting { done(result) }
        }
    }

    /// Completes with the round's outcome: at once if it is known, else when it is.
    func wait(_ done: @escaping (Result<Void, CommitFailure>) -> Void) {
        if let outcome { return done(outcome) }
        waiters.append(done)
    }
}
