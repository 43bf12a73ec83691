import Raft
import Replica

/// The toy state machine: a journal of applied commands and an FNV hash
/// chain over it (the ledger digest's stand-in). Its "disk" (`ChainDisk`)
/// outlives the node's incarnations and holds what `sync` made durable; a
/// crash loses the applied tail that was not synced, which the driver then
/// replays from the Raft log.
///
/// It catches up by streaming for real: the manifest is (index, chain), a
/// follower fetches the journal records it lacks from the leader in chunks,
/// recomputes the chain and refuses the result unless it matches.
final class ChainMachine: ReplicatedStateMachine, CatchUpSource, CatchUpSink {
    struct Record: Equatable {
        var index: LogIndex
        var command: [UInt8]
    }

    /// What survives a crash.
    final class Disk {
        var journal: [Record] = []
        var index: LogIndex = 0
        var chain = FNV.offsetBasis
    }

    private let disk: Disk
    /// Records per catch-up chunk.
    private let chunkRecords: Int
    private(set) var journal: [Record]
    /// The log index the state reflects, and its chain.
    private(set) var index: LogIndex
    private(set) var chain: UInt64
    private var beforeCatchUp: (journal: Int, index: LogIndex, chain: UInt64)?
    private var catchUpTarget: (index: LogIndex, chain: UInt64)?

    /// A command was applied at `index`, reaching `chain`.
    var onApplied: ((_ index: LogIndex, _ command: [UInt8], _ chain: UInt64) -> Void)?
    /// A catch-up stream installed the state at `index` with `chain`.
    var onCaughtUp: ((_ index: LogIndex, _ chain: UInt64) -> Void)?

    init(disk: Disk, chunkRecords: Int) {
        self.disk = disk
        self.chunkRecords = chunkRecords
        journal = disk.journal
        index = disk.index
        chain = disk.chain
    }

    static func link(_ chain: UInt64, _ r: Record) -> UInt64 {
        FNV.chain(chain, Entry(index: r.index, kind: .normal, data: r.command))
    }

    func apply(index: UInt64, command: [UInt8]) -> ApplyResult {
        precondition(catchUpTarget == nil, "the driver applies nothing while catching up")
        precondition(index > self.index, "index \(index) applied after \(self.index)")
        let r = Record(index: index, command: command)
        journal.append(r)
        chain = Self.link(chain, r)
        self.index = index
        onApplied?(index, command, chain)
        return .applied(reply: Bytes.encode(index, chain))
    }

    /// During a catch-up (the driver's sync timer keeps running) only the
    /// state from before it is made durable: a stream is all or nothing.
    func sync() throws {
        if let b = beforeCatchUp {
            disk.journal = Array(journal.prefix(b.journal))
            (disk.index, disk.chain) = (b.index, b.chain)
        } else {
            disk.journal = journal
            (disk.index, disk.chain) = (index, chain)
        }
    }

    var durableIndex: UInt64 { disk.index }

    // MARK: CatchUpSource

    func catchUpManifest() -> [UInt8] { Bytes.encode(index, chain) }

    /// Serves journal records from `cursor` up to the manifest's index.
    func catchUpChunk(manifest: [UInt8], cursor: [UInt8]) throws -> (data: [UInt8], next: [UInt8]?) {
        guard let upTo = Bytes.decode(manifest, at: 0), let from = Bytes.decode(cursor, at: 0) else {
            throw ChainCatchUpError("malformed request")
        }
        guard upTo <= index else { throw ChainCatchUpError("manifest \(upTo) beyond this node's state \(index)") }
        var position = Int(from)
        var data: [UInt8] = []
        var count = 0
        while position < journal.count, journal[position].index <= upTo, count < chunkRecords {
            let r = journal[position]
            data += Bytes.encode(r.index, UInt64(r.command.count)) + r.command
            position += 1
            count += 1
        }
        let more = position < journal.count && journal[position].index <= upTo
        return (data, more ? Bytes.encode(UInt64(position)) : nil)
    }

    // MARK: CatchUpSink

    func beginCatchUp(manifest: [UInt8]) throws -> [UInt8]? {
        guard let target = Bytes.decode(manifest, at: 0), let targetChain = Bytes.decode(manifest, at: 8) else {
            throw ChainCatchUpError("malformed manifest")
        }
        beforeCatchUp = (journal.count, index, chain)
        catchUpTarget = (target, targetChain)
        // The journal held here is a prefix of every other (state machine safety): fetch the rest.
        return Bytes.encode(UInt64(journal.count))
    }

    func applyCatchUpChunk(_ data: [UInt8]) throws {
        var offset = 0
        while offset < data.count {
            guard let i = Bytes.decode(data, at: offset), let n = Bytes.decode(data, at: offset + 8),
                  offset + 16 + Int(n) <= data.count else { throw ChainCatchUpError("malformed chunk") }
            let r = Record(index: i, command: Array(data[(offset + 16)..<(offset + 16 + Int(n))]))
            guard r.index > (journal.last?.index ?? 0) else { throw ChainCatchUpError("record \(r.index) out of order") }
            journal.append(r)
            chain = Self.link(chain, r)
            offset += 16 + Int(n)
        }
    }

    func finishCatchUp(index: UInt64) throws {
        guard let target = catchUpTarget else { throw ChainCatchUpError("no catch-up in progress") }
        guard (journal.last?.index ?? 0) <= target.index, chain == target.chain else {
            throw ChainCatchUpError("stream ends at \(journal.last?.index ?? 0) with another chain than the manifest's \(target.index)")
        }
        self.index = max(target.index, index)
        catchUpTarget = nil
        beforeCatchUp = nil
        try sync()
        onCaughtUp?(target.index, chain)
    }

    func abortCatchUp() {
        if let b = beforeCatchUp {
            journal.removeSubrange(b.journal...)
            index = b.index
            chain = b.chain
        }
        beforeCatchUp = nil
        catchUpTarget = nil
    }
}

struct ChainCatchUpError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
