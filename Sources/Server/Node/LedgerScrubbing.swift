import Foundation
import Ledger
import Logging
import Net
import Replica

/// The background scrubber of every ledger on this node (`[scrub]`): once a
/// second, each ledger whose previous step has finished gets a step of its
/// `JournalScrubber` on the loop's worker pool (`loop.offload`), with a
/// budget of `megabytes_per_second` split between the ledgers, and a pass at
/// most every `pass_interval_seconds` per ledger — the loop
/// thread only takes the state snapshot and records the result. Progress and
/// mismatches show in `/status` (a mismatch marks the ledger divergent) and in
/// `tally_scrub_verified_blocks` / `tally_scrub_mismatches_total`.
final class LedgerScrubbing {
    private final class Entry {
        let ledger: Ledger
        let scrubber: JournalScrubber
        var running = false
        var progress = JournalScrubber.Progress()
        /// When the current pass began, and when the next may begin.
        var passStarted: Double?
        var restUntil = 0.0
        init(ledger: Ledger) {
            self.ledger = ledger
            scrubber = JournalScrubber(ledger: ledger)
        }
    }

    let loop: EventLoop
    let bytesPerSecond: Int
    let logger: Logger
    /// Whether `ledger` is still the open ledger of that name (a step's result
    /// for a ledger closed or replaced while it ran is dropped: its reads may
    /// have failed because the journal was closed under them).
    let isOpen: (String, Ledger) -> Bool
    private var entries: [String: Entry] = [:]
    /// A pass starts at most this often per ledger (seconds from one pass's
    /// start to the next's), so a small journal is not re-read back to back.
    let passInterval: Double
    let now: () -> Double

    init(loop: EventLoop, megabytesPerSecond: Double, passInterval: Double = 0, logger: Logger,
         isOpen: @escaping (String, Ledger) -> Bool = { _, _ in true },
         now: @escaping () -> Double = { clusterMonotonicNow() }) {
        self.loop = loop
        bytesPerSecond = Int(megabytesPerSecond * 1_048_576)
        self.passInterval = passInterval
        self.now = now
        self.logger = logger
        self.isOpen = isOpen
    }

    /// Loop thread, once a second: `ledgers` are the node's open, active ledgers.
    func tick(ledgers: [(name: String, ledger: Ledger)]) {
        let current = Set(ledgers.map(\.name))
        for name in entries.keys where !current.contains(name) { entries[name] = nil }
        guard !ledgers.isEmpty, bytesPerSecond > 0 else { return }
        let budget = max(64 * 1024, bytesPerSecond / ledgers.count)
        for (name, ledger) in ledgers {
            let entry: Entry
            if let e = entries[name], e.ledger === ledger {
                entry = e
            } else {
                entry = Entry(ledger: ledger)   // new, or reopened: start over
                entries[name] = entry
            }
            let now = self.now()
            guard !entry.running, now >= entry.restUntil else { continue }
            if entry.passStarted == nil { entry.passStarted = now }
            entry.running = true
            let snapshot = JournalScrubber.snapshot(of: ledger)
            let scrubber = entry.scrubber
            loop.offload(work: { () -> ([JournalChainVerifier.Mismatch], JournalScrubber.Progress) in
                let found = scrubber.step(budgetBytes: budget, against: snapshot)
                return (found, scrubber.progress)
            }, then: { [weak self, weak entry] result in
                guard let self, let entry else { return }
                entry.running = false
                // A ledger closed or replaced while the step ran: its result means nothing.
                guard self.entries[name] === entry, self.isOpen(name, entry.ledger) else { return }
                if result.1.passes > entry.progress.passes, let started = entry.passStarted {
                    entry.restUntil = started + self.passInterval
                    entry.passStarted = nil
                }
                entry.progress = result.1
                for m in result.0 {
                    self.logger.error("scrub mismatch", metadata: ["ledger": .string(name), "block": .stringConvertible(m.sequenceNo),
                                                                   "reason": .string(m.reason)])
                }
            })
        }
    }

    func progress(of ledger: String) -> JournalScrubber.Progress? { entries[ledger]?.progress }
}
