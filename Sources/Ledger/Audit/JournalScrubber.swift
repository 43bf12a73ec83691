import Ion

/// What a scrub step compares the journal with: the ledger's committed state
/// when the step began. Taken on the ledger's thread (`JournalScrubber.snapshot`).
public struct ScrubSnapshot: @unchecked Sendable {
    let state: any StateView
    let blockCount: Int
}

/// A background re-verification of a ledger's whole journal, in steps of a
/// bounded number of bytes that run off the ledger's thread: every record is
/// re-read (CRC) and re-verified by `JournalChainVerifier` (every revision
/// hash, entries hash, block hash and the chain), and compared with the
/// state's block summary and Merkle leaf. When a pass reaches the journal's
/// end the next step starts another from block 0, and once a pass ends the
/// digest it recomputed is compared with the state's.
///
/// One step at a time (the caller serialises them); `progress` may be read
/// from the ledger's thread between steps.
public final class JournalScrubber: @unchecked Sendable {
    public struct Progress: Sendable, Equatable {
        /// Passes over the whole journal completed.
        public var passes = 0
        /// Blocks verified in the current pass.
        public var verifiedBlocks = 0
        /// Blocks verified since the scrubber started (all passes).
        public var verifiedBlocksTotal = 0
        public var bytesTotal = 0
        public var mismatchesTotal = 0
        /// The most recent mismatch (`block N: what`), if any.
        public var lastMismatch: String?
        /// Why the last step stopped early without finding damage (the store
        /// was closed, an I/O error): the pass starts again.
        public var lastError: String?

        public init() {}
    }

    private let journal: JournalStore
    private var verifier = JournalChainVerifier()
    /// The current pass reached the journal's end: the next step starts another.
    private var passEnded = false
    /// Mismatches already reported: a damaged record is found again by every
    /// pass, but counted once.
    private var reported: Set<String> = []
    public private(set) var progress = Progress()

    public init(ledger: Ledger) { journal = ledger.store }

    /// On the ledger's thread, before each step.
    public static func snapshot(of ledger: Ledger) -> ScrubSnapshot {
        let state = ledger.stateSnapshot()
        return ScrubSnapshot(state: state, blockCount: state.blockCount)
    }

    private struct Budget: Error {}

    /// Verifies records from where the last step stopped until about
    /// `budgetBytes` were read or the journal's end. Returns the mismatches
    /// this step found that were not reported before (also counted in `progress`).
    @discardableResult
    public func step(budgetBytes: Int, against snapshot: ScrubSnapshot) -> [JournalChainVerifier.Mismatch] {
        if passEnded {
            verifier = JournalChainVerifier()
            passEnded = false
        }
        var found: [JournalChainVerifier.Mismatch] = []
        var read = 0
        let from = verifier.verified
        let end = journal.count
        do {
            try journal.forEach(from: from) { index, record in
                if read >= budgetBytes { throw Budget() }
                read += record.count
                let block = try verify(record, index: index)
                if block.address.sequenceNo < snapshot.blockCount,
                   let problem = JournalChainVerifier.stateProblem(block, in: snapshot.state) {
                    found.append(.init(sequenceNo: index, reason: problem))
                }
            }
            if verifier.verified >= end {
                passEnded = true
                if end > 0 {
                    progress.passes += 1
                    if end == snapshot.blockCount, StateMerkle(state: snapshot.state).root(size: end) != verifier.digest {
                        found.append(.init(sequenceNo: end - 1,
                                           reason: "the state's digest differs from the digest recomputed from the journal"))
                    }
                }
            }
        } catch is Budget {
        } catch let m as JournalChainVerifier.Mismatch {
            found.append(m)   // the chain cannot be followed past it: start again
            passEnded = true
        } catch let e as JournalStoreError {
            if case .corrupt = e {
                found.append(.init(sequenceNo: verifier.verified, reason: "journal record does not read (\(e))"))
            } else {
                progress.lastError = "\(e)"   // closed under it, or an I/O error: not damage it can name
            }
            passEnded = true
        } catch {
            found.append(.init(sequenceNo: verifier.verified, reason: "journal record does not read (\(error))"))
            passEnded = true
        }
        progress.verifiedBlocksTotal += max(0, verifier.verified - from)
        progress.bytesTotal += read
        progress.verifiedBlocks = verifier.verified
        found = found.filter { reported.insert($0.description).inserted }
        progress.mismatchesTotal += found.count
        if let last = found.last { progress.lastMismatch = last.description }
        return found
    }

    /// Verifies a record; a record that fails is read and checked once more
    /// (a redaction may have been rewriting it in place at that moment).
    private func verify(_ record: [UInt8], index: Int) throws -> Block {
        var attempt = verifier
        if let block = try? attempt.verify(record: record) {
            verifier = attempt
            return block
        }
        attempt = verifier
        let block = try attempt.verify(record: journal.read(index))
        verifier = attempt
        return block
    }
}
