/// A read-index round asked for as soon as a statement that wrote nothing has
/// read, so that the read-only commit after it finds the round confirmed (or
/// nearly) instead of starting one and waiting a round trip to the followers.
///
/// Why a round started before the commit is enough: the commit checks every
/// read against this node's state (OCC), so each value read is still the
/// state's at the round's start T, which comes after the reads. A quorum that
/// confirms this node's term at T means no other leader acknowledged a write
/// before T, and this node acknowledges a write only once applied: the state
/// at T holds every write acknowledged before T. T lies within the
/// transaction, so the transaction is linearizable at T. A later statement
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
