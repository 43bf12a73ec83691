import Foundation
import Checksum
import Ion
import Ledger
import Logging

/// Catch-up by journal streaming (`Sources/Server/Cluster/CatchUp.swift`): the
/// journal *is* the snapshot.
///
/// **Manifest** (Ion binary) — the node state exactly as `ledgers.ion` last
/// recorded it, i.e. as of `durableIndex` (the index the driver snapshots at):
///
///     {formatVersion: 1, appliedIndex: S,
///      ledgers: [{<LedgerInfo as in ledgers.ion>, blocks: N, lastBlockHash: H?}, …]  (sorted by name)
///      exports: [...], streams: [...]}
///
/// **Cursor** — `u32 n` then, per manifest ledger in manifest order, the `u64`
/// sequence number of the next block to send. The follower's first cursor
/// holds its own block counts (what it already has is never sent again).
///
/// **Chunk** — sections `u32 ledger index, u64 first sequenceNo, u32 records,
/// blob record…`; at most `catchUpChunkBytes` of records (one record at least),
/// far below the transport's 16 MiB frame. Records are exactly what the
/// leader's journal store holds; the follower appends each with
/// `Ledger.appendReplicated`, which recomputes every hash and chains it to the
/// follower's own previous block.
///
/// **Divergence** — a follower ledger whose block at some sequenceNo has another
/// hash than the leader's (its last block vs the first streamed block's
/// `previousBlockHash`, or its block N-1 vs the manifest's `lastBlockHash`) is
/// not streamed into: it is flagged (`LedgerInfo.divergence`, persisted) and
/// refuses transactions, as a divergence found while applying would. A
/// follower holding *more* blocks than the manifest, with block N-1 equal to the
/// leader's, keeps them as a replay tail (they can only come from log entries
/// after S, which the driver applies next; each claims its block by
/// transaction id, as after a restart).
extension NodeStateMachine: CatchUpSource, CatchUpSink {
    /// Upper bound of the records in one chunk.
    static let catchUpChunkBytes = 4 << 20

    // MARK: - Leader side

    public func catchUpManifest() -> [UInt8] {
        flushHeldBatches()
        let saved = registry.savedMetadata
        var ledgers: [IonValue] = []
        if let saved, let list = try? NodeRecordReader(saved).list("ledgers") {
            for value in list {
                guard case .struct(var fields) = value.content, let r = try? NodeRecordReader(value),
                      let id = try? r.string("ledgerId"), let blocks = try? r.int("blocks") else { continue }
                if blocks > 0, let hash = registry.entry(ledgerId: id)?.blockHash(blocks - 1) {
                    fields.append(IonField("lastBlockHash", .blob(hash)))
                }
                ledgers.append(IonValue(.struct(fields)))
            }
        }
        let root: IonValue = .struct([
            ("formatVersion", .int(1)),
            ("appliedIndex", IonValue(.int(.small(Int64(registry.recordedIndex))))),
            ("ledgers", .list(ledgers)),
            ("exports", saved?[field: "exports"] ?? .list([])),
            ("streams", saved?[field: "streams"] ?? .list([])),
        ])
        return Ion.writeBinary([root])
    }

    public func catchUpChunk(manifest bytes: [UInt8], cursor: [UInt8]) throws -> (data: [UInt8], next: [UInt8]?) {
        flushHeldBatches()
        let manifest = try CatchUpManifest(bytes)
        let positions = try CatchUpManifest.parseCursor(cursor, count: manifest.ledgers.count)
        return try manifest.chunk(at: positions) { m in
            guard let ledger = registry.entry(ledgerId: m.info.ledgerId)?.ledger, ledger.blockCount >= m.blocks else {
                throw NodeCodingError("catch-up: ledger \(m.info.name) (\(m.info.ledgerId)) no longer holds the \(m.blocks) blocks of the manifest")
            }
            return ledger
        }
    }

    // MARK: - Follower side

    public func beginCatchUp(manifest bytes: [UInt8]) throws -> [UInt8]? {
        flushHeldBatches()
        abortCatchUp()
        if let storageFailure { throw NodeCodingError("storage failed: \(storageFailure)") }
        let manifest = try CatchUpManifest(bytes)
        var session = CatchUpSession(manifest: manifest)
        do {
            for m in manifest.ledgers {
                var target = CatchUpSession.Target()
                if let existing = registry.entry(ledgerId: m.info.ledgerId), existing.ledger != nil {
                    target.entry = existing
                } else {
                    // New here (or its files are gone): staged outside the registry
                    // until the stream is complete. Files left by an interrupted
                    // catch-up are reopened (and re-verified) and count as held.
                    let staged = LedgerRegistry.Entry(info: m.info)
                    try registry.open(staged)
                    target.entry = staged
                    target.staged = true
                }
                let ledger = target.entry!.ledger!
                target.startCount = ledger.blockCount
                if let d = target.entry!.info.divergence, !target.staged {
                    target.divergence = d  // already stopped here: leave it as it is
                } else if ledger.strandId != m.info.strandId {
                    target.divergence = "DIVERGENCE at catch-up to log index \(manifest.appliedIndex): strand \(ledger.strandId) here, \(m.info.strandId) on the leader"
                } else if ledger.blockCount >= m.blocks, m.blocks > 0 {
                    let mine = ledger.blockHash(sequenceNo: m.blocks - 1)
                    if mine != m.lastBlockHash {
                        target.divergence = "DIVERGENCE at catch-up to log index \(manifest.appliedIndex): block \(m.blocks - 1) hashes to "
                            + "\(mine.map(Hex.encode) ?? "?") here, \(m.lastBlockHash.map(Hex.encode) ?? "?") on the leader"
                    }
                }
                session.targets.append(target)
            }
        } catch {
            catchUpSession = session
            abortCatchUp()
            throw error
        }
        catchUpSession = session
        let positions = zip(session.targets, manifest.ledgers).map { t, m in
            t.divergence != nil ? m.blocks : min(t.startCount, m.blocks)
        }
        let needed = zip(positions, manifest.ledgers).contains { $0 < $1.blocks }
        return needed ? CatchUpManifest.cursor(positions) : nil
    }

    /// Each ledger's blocks of the chunk go to its state store in one batch
    /// (`Ledger.beginBatch`), opened before its first block and committed
    /// before this returns, whatever the outcome: the batch never outlives
    /// this call on the loop thread, where every state snapshot is taken (the
    /// scrubber's, statements', `/status`), so none sees it open. Durability
    /// is unchanged: journals are synced by `finishCatchUp`. If a commit fails
    /// the ledger's journal is ahead of its store: the ledger refuses blocks,
    /// and a ledger already serving (not staged) stops the node as a failed
    /// apply does (`storageFailure`); a restart replays the journal.
    public func applyCatchUpChunk(_ data: [UInt8]) throws {
        flushHeldBatches()
        guard var session = catchUpSession else { throw NodeCodingError("catch-up chunk without beginCatchUp") }
        defer { catchUpSession = session }
        var batches = CatchUpBatches()
        var failure: Error?
        do {
            try appendChunk(data, &session, &batches)
        } catch {
            failure = error
        }
        for (target, ledger) in batches.open {
            let name = session.manifest.ledgers[target].info.name
            do {
                try ledger.flushBatch()
            } catch {
                failure = failure ?? NodeCodingError("catch-up of ledger \(name): \(error)")
            }
            if let why = ledger.unusableReason, !session.targets[target].staged, storageFailure == nil {
                storageFailure = "ledger \(name): \(why)"
                ReplicaLog.storage.critical("state store write failed during catch-up; this node refuses writes", metadata: [
                    "ledger": "\(name)", "error": "\(why)"])
            }
        }
        if let failure { throw failure }
    }

    private func appendChunk(_ data: [UInt8], _ session: inout CatchUpSession, _ batches: inout CatchUpBatches) throws {
        var r = ByteReader(data)
        while !r.isAtEnd {
            let i = Int(try r.u32())
            let seq = Int(try r.u64())
            let n = Int(try r.u32())
            guard i < session.targets.count else { throw NodeCodingError("catch-up chunk names ledger \(i) of \(session.targets.count)") }
            let name = session.manifest.ledgers[i].info.name
            var records: [[UInt8]] = []   // not reserved: n comes off the wire
            for _ in 0..<n { records.append(try r.blob()) }
            guard !records.isEmpty, session.targets[i].divergence == nil, let entry = session.targets[i].entry,
                  let ledger = entry.ledger else { continue }
            guard seq == ledger.blockCount else {
                throw NodeCodingError("catch-up of ledger \(name): block \(seq) received, \(ledger.blockCount) held")
            }
            if seq > 0 && !session.targets[i].chainChecked {
                // The first block streamed must follow this node's own last block;
                // if it does not, the journals differ: divergence, not a failed stream.
                session.targets[i].chainChecked = true
                let block = try Block(ion: BlockCodec.decode(records[0]))
                let mine = ledger.blockHash(sequenceNo: seq - 1)
                if block.previousBlockHash != mine {
                    session.targets[i].divergence = "DIVERGENCE at catch-up to log index \(session.manifest.appliedIndex): block \(seq - 1) hashes to "
                        + "\(mine.map(Hex.encode) ?? "?") here, \(Hex.encode(block.previousBlockHash)) on the leader"
                    continue
                }
            }
            session.targets[i].chainChecked = true
            do {
                try batches.begin(i, ledger)
                try ledger.appendReplicated(records: records) { block in
                    entry.recentHashes.record(block.address.sequenceNo, block.blockHash)
                }
            } catch {
                throw NodeCodingError("catch-up of ledger \(name): \(error)")
            }
        }
    }

    public func finishCatchUp(index: UInt64) throws {
        flushHeldBatches()
        guard let session = catchUpSession else { throw NodeCodingError("finishCatchUp without beginCatchUp") }
        let manifest = session.manifest
        guard manifest.appliedIndex == index else {
            throw NodeCodingError("catch-up manifest is at log index \(manifest.appliedIndex), the snapshot at \(index)")
        }
        // Verify: every ledger holds the manifest's blocks, ending in the leader's hash.
        for (t, m) in zip(session.targets, manifest.ledgers) where t.divergence == nil {
            let ledger = t.entry!.ledger!
            guard ledger.blockCount >= m.blocks else {
                throw NodeCodingError("catch-up of ledger \(m.info.name) incomplete: \(ledger.blockCount) of \(m.blocks) blocks")
            }
            if m.blocks > 0, ledger.blockHash(sequenceNo: m.blocks - 1) != m.lastBlockHash {
                throw NodeCodingError("catch-up of ledger \(m.info.name): block \(m.blocks - 1) does not end in the manifest's hash")
            }
        }
        // Durable: every journal that received blocks.
        for t in session.targets where t.staged || t.entry!.ledger!.blockCount > t.startCount {
            try t.entry!.ledger!.sync()
        }
        // Adopt the leader's registry: its ledgers (with its ids), exports and streams.
        let keep = Set(manifest.ledgers.map(\.info.ledgerId))
        for entry in registry.entries.values where !keep.contains(entry.info.ledgerId) {
            registry.purge(entry.info.name)
        }
        for (t, m) in zip(session.targets, manifest.ledgers) {
            let entry = t.entry!
            if let old = registry.entries[m.info.name], old !== entry { registry.purge(old.info.name) }
            var info = m.info
            if let d = t.divergence {
                info.divergence = d
                if entry.info.divergence != d {
                    ReplicaLog.storage.critical("ledger diverged; this node stops applying it", metadata: [
                        "ledger": "\(m.info.name)", "log_index": "\(manifest.appliedIndex)", "reason": "\(d)"])
                }
            }
            entry.info = info
            let count = entry.ledger!.blockCount
            entry.replayTail = t.divergence == nil && count > m.blocks ? m.blocks..<count : nil
            registry.entries[m.info.name] = entry
        }
        registry.exports = Dictionary(uniqueKeysWithValues: manifest.exports.map { ($0.spec.exportId, $0) })
        registry.streams = Dictionary(uniqueKeysWithValues: manifest.streams.map { ($0.spec.streamId, $0) })
        catchUpSession = nil
        removeOrphanJournals()
        for name in touched.sorted() { try registry.entry(named: name)?.ledger?.sync() }
        touched.removeAll()
        appliedIndex = index
        try registry.save(appliedIndex: index)
        metadataDirty = false
    }

    public func abortCatchUp() {
        flushHeldBatches()
        guard let session = catchUpSession else { return }
        catchUpSession = nil
        for t in session.targets {
            guard let entry = t.entry else { continue }
            if t.staged {
                entry.ledger?.close()
                entry.store?.close()
                entry.store = nil
                entry.ledger = nil
                try? FileManager.default.removeItem(atPath: "\(registry.options.dataDirectory)/ledgers/\(entry.info.ledgerId)")
            } else if let count = entry.ledger?.blockCount, count > t.startCount {
                // Verified blocks of the leader's chain, kept: the log entries the driver
                // applies next claim them by transaction id, as after a restart.
                entry.replayTail = (entry.replayTail?.lowerBound ?? t.startCount)..<count
                touched.insert(entry.info.name)
            }
        }
    }

    /// Journal directories of no ledger in the registry (an interrupted catch-up, a purge cut short).
    private func removeOrphanJournals() {
        let dir = registry.options.dataDirectory + "/ledgers"
        let known = Set(registry.entries.values.map(\.info.ledgerId))
        for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] where !known.contains(name) {
            try? FileManager.default.removeItem(atPath: dir + "/" + name)
        }
    }
}

/// A follower's stream in progress.
struct CatchUpSession {
    struct Target {
        var entry: LedgerRegistry.Entry?
        /// Opened for this stream, not in the registry until `finishCatchUp`.
        var staged = false
        var startCount = 0
        var chainChecked = false
        var divergence: String?
    }

    let manifest: CatchUpManifest
    var targets: [Target] = []
}

/// The ledgers with a state-store batch open during one chunk (by target index).
struct CatchUpBatches {
    private(set) var open: [(target: Int, ledger: Ledger)] = []
    private var opened: Set<Int> = []

    /// Opens `ledger`'s batch before its first block of the chunk.
    mutating func begin(_ target: Int, _ ledger: Ledger) throws {
        guard !opened.contains(target) else { return }
        try ledger.beginBatch()
        opened.insert(target)
        open.append((target, ledger))
    }
}

/// The parsed catch-up manifest (see `NodeStateMachine+CatchUp.swift`).
struct CatchUpManifest {
    struct LedgerState {
        var info: LedgerInfo
        var blocks: Int
        var lastBlockHash: [UInt8]?
    }

    var appliedIndex: UInt64
    var ledgers: [LedgerState]
    var exports: [ExportInfo]
    var streams: [StreamInfo]

    init(_ bytes: [UInt8]) throws {
        let values = try Ion.read(bytes)
        guard values.count == 1 else { throw NodeCodingError("catch-up manifest holds \(values.count) values") }
        let s = try NodeRecordReader(values[0])
        guard try s.int("formatVersion") == 1 else { throw NodeCodingError("catch-up manifest: unknown formatVersion") }
        appliedIndex = UInt64(try s.int64("appliedIndex"))
        ledgers = try s.list("ledgers").map { value in
            let r = try NodeRecordReader(value)
            let state = LedgerState(info: try LedgerInfo(ion: value), blocks: try r.int("blocks"),
                                    lastBlockHash: try r.optionalBlob("lastBlockHash"))
            guard state.blocks >= 0, (state.blocks == 0) == (state.lastBlockHash == nil) else {
                throw NodeCodingError("catch-up manifest: ledger \(state.info.name) has \(state.blocks) blocks and \(state.lastBlockHash == nil ? "no" : "a") last hash")
            }
            return state
        }
        exports = try s.list("exports").map { try ExportInfo(ion: $0) }
        streams = try s.list("streams").map { try StreamInfo(ion: $0) }
    }

    /// The chunk at `positions` (the cursor's, per ledger) and the next
    /// cursor, nil after the last chunk: at most
    /// `NodeStateMachine.catchUpChunkBytes` of records (one at least), read
    /// from the journal of `ledger(m)`.
    func chunk(at cursor: [Int], ledger: (LedgerState) throws -> Ledger) throws -> (data: [UInt8], next: [UInt8]?) {
        var positions = cursor
        var w = ByteWriter()
        var budget = NodeStateMachine.catchUpChunkBytes
        for (i, m) in ledgers.enumerated() where positions[i] < m.blocks && budget > 0 {
            let source = try ledger(m)
            var records: [[UInt8]] = []
            var seq = positions[i]
            while seq < m.blocks, budget > 0 {
                let r = try source.journalRecord(sequenceNo: seq)
                if !records.isEmpty || budget < NodeStateMachine.catchUpChunkBytes, r.count > budget { break }
                records.append(r)
                budget -= r.count
                seq += 1
            }
            if records.isEmpty { break }
            w.u32(UInt32(i))
            w.u64(UInt64(positions[i]))
            w.u32(UInt32(records.count))
            for r in records { w.blob(r) }
            positions[i] = seq
        }
        let done = zip(positions, ledgers).allSatisfy { $0 >= $1.blocks }
        return (w.bytes, done ? nil : CatchUpManifest.cursor(positions))
    }

    static func cursor(_ positions: [Int]) -> [UInt8] {
        var w = ByteWriter()
        w.u32(UInt32(positions.count))
        for p in positions { w.u64(UInt64(p)) }
        return w.bytes
    }

    static func parseCursor(_ bytes: [UInt8], count: Int) throws -> [Int] {
        var r = ByteReader(bytes)
        let n = Int(try r.u32())
        guard n == count else { throw NodeCodingError("catch-up cursor has \(n) ledgers, the manifest \(count)") }
        let positions = try (0..<n).map { _ in Int(try r.u64()) }
        guard r.isAtEnd, positions.allSatisfy({ $0 >= 0 && $0 <= Int(UInt32.max) }) else { throw NodeCodingError("malformed catch-up cursor") }
        return positions
    }
}

extension LedgerRegistry {
    /// The ledger with this id, whatever its name.
    func entry(ledgerId: String) -> Entry? { entries.values.first { $0.info.ledgerId == ledgerId } }
}
