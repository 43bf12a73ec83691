import Dispatch

/// A batch's journal records encoded and appended on a worker, behind the
/// ledger's thread (`Ledger.beginBatch` … `flushBatch`). `Ledger.apply` seals
/// a block (every hash) and applies it to the state store on its own thread;
/// encoding the block's record and handing it to the journal store (its CRC,
/// its copy into the batch's buffer, the group's `pwrite`) need nothing but
/// the sealed block, so groups of `groupSize` blocks go to a serial queue
/// while the ledger goes on with the next transaction.
///
/// Order and safety are as without it: records reach the store in sequence
/// order, and `drain()` — called before the journal's buffer is written and
/// before the state store commits (`flushBatch`), and before anything reads
/// or appends the journal otherwise — returns only once every submitted block
/// is in the store, so the state store is never ahead of the journal. A
/// group smaller than `groupSize` is written by `drain()` on the caller's
/// thread (a node's small apply batches never wait for a worker). The first
/// error stops the worker's appends and is thrown by every later `drain()`;
/// `flushBatch` then marks the ledger unusable, as for a failed buffered write.
final class JournalWriteBehind: @unchecked Sendable {
    static let groupSize = 32
    /// Groups queued at most; `submit` waits for the worker beyond that.
    static let groupsInFlight = 4

    private let store: JournalStore
    private let queue = DispatchQueue(label: "tally.ledger.journal-write-behind")
    private let slots = DispatchSemaphore(value: JournalWriteBehind.groupsInFlight)
    /// The ledger thread's: blocks not yet handed to the worker.
    private var group: [Block] = []
    /// The ledger thread's: a group went to the worker since the last drain.
    private var dispatched = false
    /// Set on the queue; read on the ledger thread after `queue.sync`.
    private var failure: Error?

    init(store: JournalStore) {
        self.store = store
        group.reserveCapacity(Self.groupSize)
    }

    /// True when every submitted block is in the store.
    var isSettled: Bool { group.isEmpty && !dispatched }

    func submit(_ block: Block) {
        group.append(block)
        if group.count >= Self.groupSize { handOff() }
    }

    private func handOff() {
        let blocks = group
        group = []
        group.reserveCapacity(Self.groupSize)
        slots.wait()
        dispatched = true
        queue.async { [self] in
            defer { slots.signal() }
            guard failure == nil else { return }
            do {
                try Self.append(blocks, to: store)
                try store.writeBuffered()   // the group's `pwrite` here too, not at the flush
            } catch {
                failure = error
            }
        }
    }

    /// Every submitted block appended to the store, in order; throws the
    /// first append that failed (and again on every later call).
    func drain() throws {
        if dispatched {
            queue.sync {}
            dispatched = false
        }
        if let failure {
            group = []
            throw failure
        }
        let blocks = group
        group.removeAll(keepingCapacity: true)
        do {
            try Self.append(blocks, to: store)
        } catch {
            failure = error
            throw error
        }
    }

    static func append(_ blocks: [Block], to store: JournalStore) throws {
        for block in blocks {
            let index = try store.append(BlockCodec.record(block))
            guard index == block.address.sequenceNo else {
                throw LedgerError.storeMismatch(expected: block.address.sequenceNo, got: index)
            }
        }
    }
}
