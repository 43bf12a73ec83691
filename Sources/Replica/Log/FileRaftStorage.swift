import Foundation
import Checksum
import Raft

/// The Raft log, hard state and snapshot marker of one node on disk (layout in
/// `RaftLogFormat`). Entries since the last compaction are also kept in memory,
/// so Raft's reads never touch the disk.
///
/// Durability: `save` returns only after what it wrote is fsync'ed: one fsync
/// of the segment per append. The segment being appended to runs up to
/// `preallocation` bytes of zeros past its last record, written and fsync'ed
/// with the append that needed the room, so that the appends after it overwrite
/// blocks the file already has and need only `fdatasync` (no size or block
/// allocation to record: one device write instead of two, as etcd's WAL). A
/// segment is cut to its last record when the log moves to the next one.
///
/// The state file's slot records the hard state and a synced end of the log;
/// the slot is fsync'ed itself only when the term or vote changes (before the
/// entries), when the log moves to a new segment, and on truncation, so its
/// synced end may lag behind the log. On open, every
/// record up to the recorded end must read back whole, or `open` refuses with an
/// error naming the file and offset (corruption of acknowledged data). Past it,
/// records are kept while they read back whole (CRC) and in sequence: they were
/// fsync'ed before anything acknowledged them. The first one that does not is a
/// torn write; it and everything after it are dropped, and `recoveryNote` says so.
/// Zeros after the last record are the preallocated tail: kept, and not a note.
/// (After kill -9 the slot write survives in the page cache, so the recorded end
/// is current; only a power cut can leave it behind.)
///
/// Thread-safety: two locks, so the driver may `save` on a pool thread while
/// Raft reads on the loop thread without waiting for the save's fsync.
/// `writeLock` orders every writer (saves, snapshots, compaction) and guards
/// the files; `lock` guards what readers see (`hard`, `snap`, `ents`,
/// `failure`). A field readers see changes only with both held; a writer
/// holding `writeLock` reads it without `lock`, as no one else can change it.
/// A save appends its entries to `ents` once they are written and synced.
public final class FileRaftStorage: RaftLogStore, @unchecked Sendable {
    public let directory: String
    public let segmentSize: Int
    /// Zeros kept written ahead of the last record (0: the file grows with each append).
    public let preallocation: Int
    private let logDir: String
    private let statePath: String
    private let snapshotPath: String
    private let lock = NSLock()
    private let writeLock = NSLock()

    private var hard = HardState()
    private var snap = Snapshot()
    private var defaultConf: ConfState
    /// `ents[0]` is the dummy at the compaction point; `ents[i]` has index `ents[0].index + i`.
    private var ents: [Entry]
    /// Location of each real entry's record: (segment id, byte offset).
    private var locs: [(segment: UInt64, offset: Int)] = []
    /// Segment file ids, ascending; the last is the one appended to.
    private var segments: [UInt64] = []
    private var nextSegmentID: UInt64 = 1
    private var currentFD: Int32 = -1
    private var currentSize = 0
    /// The current segment's size on disk: zeros from `currentSize` to here.
    private var zeroedEnd = 0
    private var stateFD: Int32 = -1
    private var slotSeq: UInt64 = 0
    /// The segment named by the last slot that was fsync'ed: a slot naming a
    /// later one must be fsync'ed, or recovery would delete that segment.
    private var durableSlotSegment: UInt64 = 0
    /// A write failed: the storage is unusable until reopened.
    public private(set) var failure: RaftStorageFailure?
    /// Set by `open` when a torn tail was dropped.
    public private(set) var recoveryNote: String?

    /// Opens (or creates) the storage in `directory`. `voters` is the
    /// configuration reported while no snapshot exists yet (a fresh node).
    public init(directory: String, voters: [NodeID] = [], segmentSize: Int = 64 << 20,
                preallocation: Int = 1 << 20) throws {
        self.directory = directory
        self.segmentSize = segmentSize
        self.preallocation = max(0, preallocation)
        logDir = directory + "/log"
        statePath = directory + "/state"
        snapshotPath = directory + "/snapshot"
        defaultConf = ConfState(voters: voters)
        ents = [Entry()]
        try RaftFileIO.makeDirectories(logDir)
        try recover()
    }

    deinit { closeFiles() }

    public func close() {
        writeLock.withLock { lock.withLock { closeFiles() } }
    }

    private func closeFiles() {
        if currentFD >= 0 { RaftFileIO.close(currentFD); currentFD = -1 }
        if stateFD >= 0 { RaftFileIO.close(stateFD); stateFD = -1 }
    }

    private var offset: LogIndex { ents[0].index }
    private func segPath(_ first: UInt64) -> String { logDir + "/" + RaftLogFormat.segmentName(first) }

    // MARK: RaftStorage (read side)

    public func initialState() -> (hardState: HardState, confState: ConfState) {
        lock.withLock { (hard, snap.metadata.confState.voters.isEmpty ? defaultConf : snap.metadata.confState) }
    }

    public var hardStateValue: HardState { lock.withLock { hard } }

    public func entries(from lo: LogIndex, to hi: LogIndex, maxSize: Int) throws(StorageError) -> [Entry] {
        lock.lock(); defer { lock.unlock() }
        if lo <= offset { throw .compacted }
        if hi > lastIndexLocked + 1 { throw .unavailable }
        if lo >= hi { return [] }
        var out: [Entry] = []
        var total = 0
        for i in Int(lo - offset)..<Int(hi - offset) {
            total += ents[i].size
            if !out.isEmpty && total > maxSize { break }
            out.append(ents[i])
        }
        return out
    }

    public func term(at index: LogIndex) throws(StorageError) -> Term {
        lock.lock(); defer { lock.unlock() }
        if index < offset { throw .compacted }
        if index - offset >= LogIndex(ents.count) { throw .unavailable }
        return ents[Int(index - offset)].term
    }

    public var firstIndex: LogIndex { lock.withLock { offset + 1 } }
    public var lastIndex: LogIndex { lock.withLock { lastIndexLocked } }
    private var lastIndexLocked: LogIndex { offset + LogIndex(ents.count) - 1 }

    public func snapshot() throws(StorageError) -> Snapshot { lock.withLock { snap } }

    // MARK: Writes

    /// Persists one Ready: snapshot (if any), a new term or vote, then entries
    /// (replacing a conflicting suffix), then the rest of the hard state. What
    /// must survive a crash is fsync'ed before returning, whatever `sync` says:
    /// a snapshot, a term or vote, entries. A commit-only change is not.
    public func save(hardState: HardState?, entries: [Entry], snapshot: Snapshot? = nil, sync: Bool = true) throws {
        writeLock.lock(); defer { writeLock.unlock() }
        if let failure { throw failure }
        do {
            if let snapshot, !snapshot.isEmpty { try lock.withLock { try installSnapshotLocked(snapshot) } }
            var slotSynced = false
            if let hardState, hardState.term != hard.term || hardState.vote != hard.vote {
                // A term or vote is durable before the entries that may carry the
                // new term: recovery never finds entries newer than its term.
                lock.withLock {
                    hard.term = hardState.term
                    hard.vote = hardState.vote
                }
                try writeSlotLocked(sync: true)
                slotSynced = true
            }
            if !entries.isEmpty { try appendLocked(entries) }  // fsync'ed
            lock.withLock {
                if let hardState { hard = hardState }
                if hard.commit < offset { hard.commit = offset }
            }
            if !entries.isEmpty || (hardState != nil && !slotSynced) {
                try writeSlotLocked(sync: segments.last.map { $0 != durableSlotSegment } ?? false)
            }
        } catch {
            let f = error as? RaftStorageFailure ?? RaftStorageFailure("\(error)")
            lock.withLock { failure = f }
            throw f
        }
    }

    public func setHardState(_ hardState: HardState) {
        try? save(hardState: hardState, entries: [])
    }

    public func append(_ entries: [Entry]) {
        try? save(hardState: nil, entries: entries)
    }

    public func applySnapshot(_ snapshot: Snapshot) throws(StorageError) {
        if lock.withLock({ snap.metadata.index >= snapshot.metadata.index }) { throw .snapshotOutOfDate }
        do { try save(hardState: nil, entries: [], snapshot: snapshot) } catch { throw .snapshotTemporarilyUnavailable }
    }

    /// Records the snapshot marker (index, its term, voters, the application's
    /// catch-up manifest) in the snapshot file. Does not drop entries.
    @discardableResult
    public func createSnapshot(at index: LogIndex, confState: ConfState?, data: [UInt8]) throws(StorageError) -> Snapshot {
        writeLock.lock(); defer { writeLock.unlock() }
        lock.lock(); defer { lock.unlock() }
        if index <= snap.metadata.index { throw .snapshotOutOfDate }
        if index < offset { throw .compacted }
        if index > lastIndexLocked { throw .unavailable }
        var s = snap
        s.metadata.index = index
        s.metadata.term = ents[Int(index - offset)].term
        if let confState { s.metadata.confState = confState } else if s.metadata.confState.voters.isEmpty { s.metadata.confState = defaultConf }
        s.data = data
        do {
            try RaftFileIO.replaceAtomically(snapshotPath, RaftLogFormat.encodeSnapshot(s), directory: directory)
        } catch {
            failure = error as? RaftStorageFailure ?? RaftStorageFailure("\(error)")
            throw .snapshotTemporarilyUnavailable
        }
        snap = s
        return s
    }

    /// Drops entries up to `index` (≤ the snapshot index) from memory, and
    /// deletes segment files that hold nothing newer (never the current one).
    public func compact(upTo index: LogIndex) throws(StorageError) {
        writeLock.lock(); defer { writeLock.unlock() }
        lock.lock(); defer { lock.unlock() }
        if index <= offset { throw .compacted }
        if index > lastIndexLocked || index > snap.metadata.index { throw .unavailable }
        let i = Int(index - offset)
        var kept = [Entry(term: ents[i].term, index: ents[i].index)]
        kept.append(contentsOf: ents[(i + 1)...])
        ents = kept
        locs.removeFirst(i)
        dropUnreferencedSegmentsLocked()
    }

    // MARK: Write internals (the caller holds `writeLock`; `truncateLocked` and
    // `installSnapshotLocked` change what readers see, so it holds `lock` for them too)

    private func appendLocked(_ input: [Entry]) throws {
        var entries = input[...]
        guard let first0 = entries.first?.index else { return }
        if first0 + LogIndex(entries.count) - 1 <= offset { return }  // all compacted already
        if first0 <= offset { entries = entries.dropFirst(Int(offset + 1 - first0)) }
        let first = entries.first!.index
        guard first <= lastIndexLocked + 1 else {
            throw RaftStorageFailure("append at \(first) leaves a gap after last index \(lastIndexLocked)")
        }
        if first <= lastIndexLocked { try lock.withLock { try truncateLocked(from: first) } }
        if currentFD < 0 || currentSize >= segmentSize { try startSegmentLocked(first: first) }
        let segID = segments.last!
        var buf: [UInt8] = []
        var written: [(segment: UInt64, offset: Int)] = []
        written.reserveCapacity(entries.count)
        var pos = currentSize
        for e in entries {
            let rec = RaftLogFormat.encodeRecord(e)
            written.append((segID, pos))
            pos += rec.count
            buf.append(contentsOf: rec)
        }
        let path = segPath(segID)
        if pos <= zeroedEnd {
            try RaftFileIO.pwriteAll(currentFD, buf, at: currentSize, path)
            currentSize = pos
            try RaftFileIO.syncData(currentFD, path, zerosFrom: pos)
        } else {
            // Past the zeros: write the next ones with the records (up to the segment's size), and fsync both.
            let grown = max(pos, min(pos + preallocation, segmentSize))
            try RaftFileIO.pwriteAll(currentFD, buf, at: currentSize, path)
            try RaftFileIO.pwriteZeros(currentFD, count: grown - pos, at: pos, path)
            currentSize = pos
            zeroedEnd = grown
            try RaftFileIO.sync(currentFD, path, zerosFrom: pos)
        }
        // Readers see the entries once they are durable (a failed write leaves `failure` set and them unseen).
        locs.append(contentsOf: written)
        lock.withLock { ents.append(contentsOf: entries) }
    }

    /// Removes entries `from...` from memory and disk. The state slot's synced
    /// end is lowered (and fsync'ed) first, so a crash in between never finds
    /// a "synced" region that was rewritten.
    private func truncateLocked(from index: LogIndex) throws {
        let i = Int(index - offset) - 1
        let loc = locs[i]
        try writeSlotLocked(sync: true, syncedSegment: loc.segment, syncedOffset: loc.offset)
        while let last = segments.last, last > loc.segment {
            segments.removeLast()
            if currentFD >= 0 { RaftFileIO.close(currentFD); currentFD = -1 }
            RaftFileIO.remove(segPath(last))
        }
        if currentFD < 0 { currentFD = try RaftFileIO.open(segPath(loc.segment), O_RDWR) }
        try RaftFileIO.truncate(currentFD, loc.offset, segPath(loc.segment))
        // The cut records must not come back after a crash: recovery keeps whole
        // records past the slot's end, and a stale one there would rejoin the log.
        try RaftFileIO.sync(currentFD, segPath(loc.segment))
        currentSize = loc.offset
        zeroedEnd = loc.offset
        ents.removeSubrange((i + 1)...)
        locs.removeSubrange(i...)
    }

    private func startSegmentLocked(first: UInt64) throws {
        if currentFD >= 0, let last = segments.last, zeroedEnd > currentSize {
            // A segment before the last ends at its last record (recovery reads it whole).
            try RaftFileIO.truncate(currentFD, currentSize, segPath(last))
            try RaftFileIO.sync(currentFD, segPath(last))
        }
        if currentFD >= 0 { RaftFileIO.close(currentFD); currentFD = -1 }
        nextSegmentID = max(nextSegmentID, (segments.last ?? 0) + 1)
        let id = nextSegmentID
        nextSegmentID += 1
        let path = segPath(id)
        let fd = try RaftFileIO.open(path, O_RDWR | O_CREAT | O_TRUNC)
        let header = RaftLogFormat.segmentHeader(first: first)
        try RaftFileIO.pwriteAll(fd, header, at: 0, path)
        try RaftFileIO.sync(fd, path)
        try RaftFileIO.syncDirectory(logDir)
        currentFD = fd
        currentSize = header.count
        zeroedEnd = header.count
        segments.append(id)
    }

    private func installSnapshotLocked(_ s: Snapshot) throws {
        try RaftFileIO.replaceAtomically(snapshotPath, RaftLogFormat.encodeSnapshot(s), directory: directory)
        snap = s
        let old = segments
        try startSegmentLocked(first: s.metadata.index + 1)
        segments = [segments.last!]
        ents = [Entry(term: s.metadata.term, index: s.metadata.index)]
        locs = []
        if hard.commit < s.metadata.index { hard.commit = s.metadata.index }
        try writeSlotLocked(sync: true)
        for id in old { RaftFileIO.remove(segPath(id)) }
    }

    private func writeSlotLocked(sync: Bool, syncedSegment: UInt64? = nil, syncedOffset: Int? = nil) throws {
        if stateFD < 0 { stateFD = try RaftFileIO.open(statePath, O_RDWR | O_CREAT) }
        slotSeq += 1
        let slot = RaftLogFormat.StateSlot(
            seq: slotSeq, hardState: hard,
            syncedSegment: syncedSegment ?? segments.last ?? 0,
            syncedOffset: UInt64(syncedOffset ?? (segments.isEmpty ? 0 : currentSize)))
        let at = Int(slotSeq % 2) * RaftLogFormat.slotSize
        try RaftFileIO.pwriteAll(stateFD, RaftLogFormat.encodeSlot(slot), at: at, statePath)
        if sync {
            try RaftFileIO.sync(stateFD, statePath)
            durableSlotSegment = slot.syncedSegment
        }
    }

    // MARK: Recovery

    private func recover() throws {
        if RaftFileIO.exists(snapshotPath) {
            do {
                snap = try RaftLogFormat.decodeSnapshot(try RaftFileIO.readAll(snapshotPath))
            } catch {
                throw RaftStorageFailure("Raft snapshot file \(snapshotPath) is corrupt (\(error)); refusing to start")
            }
        }
        RaftFileIO.remove(snapshotPath + ".tmp")
        var slot: RaftLogFormat.StateSlot?
        if RaftFileIO.exists(statePath) {
            let bytes = try RaftFileIO.readAll(statePath)
            let a = RaftLogFormat.decodeSlot(bytes, at: 0)
            let b = RaftLogFormat.decodeSlot(bytes, at: RaftLogFormat.slotSize)
            slot = [a, b].compactMap { $0 }.max { $0.seq < $1.seq }
            if slot == nil && !bytes.isEmpty {
                throw RaftStorageFailure("Raft state file \(statePath) has no valid slot; refusing to start")
            }
        }
        slotSeq = slot?.seq ?? 0
        durableSlotSegment = slot?.syncedSegment ?? 0
        hard = slot?.hardState ?? HardState()
        let s = snap.metadata
        ents = [Entry(term: s.term, index: s.index)]
        let ids = ((try? FileManager.default.contentsOfDirectory(atPath: logDir)) ?? [])
            .compactMap(RaftLogFormat.parseSegmentName).sorted()
        var loaded: [Entry] = []
        var loadedLocs: [(segment: UInt64, offset: Int)] = []
        var lastSegSize = 0
        var lastSegZeroedEnd = 0
        for id in ids {
            let path = segPath(id)
            guard let slot, id <= slot.syncedSegment else {
                RaftFileIO.remove(path)  // created after the last synced state: never acknowledged
                continue
            }
            let bytes = try RaftFileIO.readAll(path)
            var limit = id == slot.syncedSegment ? Int(slot.syncedOffset) : bytes.count
            var h = ByteReader(bytes, from: 8)
            guard bytes.count >= limit, limit >= RaftLogFormat.segmentHeaderSize,
                  Array(bytes[0..<8]) == RaftLogFormat.segmentMagic, let first = try? h.u64() else {
                throw RaftStorageFailure("Raft log segment \(path) is shorter than its synced length \(limit) or has a bad header; refusing to start")
            }
            // A later segment supersedes a suffix (truncation) or the whole log (installed snapshot).
            if let last = loaded.last?.index {
                if first <= last {
                    let keep = loaded.prefix { $0.index < first }.count
                    loaded.removeSubrange(keep...)
                    loadedLocs.removeSubrange(keep...)
                } else if first > last + 1 {
                    guard first == s.index + 1 else {
                        throw RaftStorageFailure("Raft log segment \(path) starts at \(first), leaving a gap after \(last); refusing to start")
                    }
                    loaded = []
                    loadedLocs = []
                }
            }
            let region = Array(bytes[0..<limit])
            var pos = RaftLogFormat.segmentHeaderSize
            var expected = first
            while pos < limit {
                guard case .record(let e, let next) = RaftLogFormat.readRecord(region, at: pos) else {
                    var why = "unreadable record"
                    if case .bad(let w) = RaftLogFormat.readRecord(region, at: pos) { why = w }
                    throw RaftStorageFailure("Raft log segment \(path) is corrupt at offset \(pos) inside the synced region (\(why)); refusing to start")
                }
                guard e.index == expected else {
                    throw RaftStorageFailure("Raft log segment \(path) holds index \(e.index) where \(expected) belongs; refusing to start")
                }
                loaded.append(e)
                loadedLocs.append((id, pos))
                expected += 1
                pos = next
            }
            if id == slot.syncedSegment {
                // Past the recorded end: records fsync'ed after the slot was last
                // made durable, then possibly a torn write.
                // (A term is durable before its entries, so a newer one is not whole.)
                while pos < bytes.count, case .record(let e, let next) = RaftLogFormat.readRecord(bytes, at: pos),
                      e.index == expected, e.term <= hard.term {
                    loaded.append(e)
                    loadedLocs.append((id, pos))
                    expected += 1
                    pos = next
                }
                limit = pos
            }
            var zeroedEnd = limit
            if id == slot.syncedSegment, bytes.count > limit, bytes[limit...].withUnsafeBytes(ZeroBlock.isAllZero) {
                zeroedEnd = bytes.count  // the preallocated tail
            } else if bytes.count > limit {
                recoveryNote = "dropped \(bytes.count - limit) unsynced bytes at the end of \(path)"
                let fd = try RaftFileIO.open(path, O_RDWR)
                defer { RaftFileIO.close(fd) }
                try RaftFileIO.truncate(fd, limit, path)
                try RaftFileIO.sync(fd, path)
            }
            segments.append(id)
            lastSegSize = limit
            lastSegZeroedEnd = zeroedEnd
        }
        // Keep the entries after the snapshot point, provided they continue it.
        if let k = loaded.firstIndex(where: { $0.index == s.index + 1 }) {
            let conflicting = loaded.contains { $0.index == s.index && $0.term != s.term }
            if !conflicting {
                ents.append(contentsOf: loaded[k...])
                locs = Array(loadedLocs[k...])
            }
        } else if let f = loaded.first?.index, f > s.index + 1 {
            throw RaftStorageFailure("Raft log in \(logDir) starts at \(f) but the snapshot ends at \(s.index); refusing to start")
        }
        if hard.commit < offset { hard.commit = offset }
        if hard.commit > lastIndexLocked { hard.commit = lastIndexLocked }
        if let last = segments.last {
            currentFD = try RaftFileIO.open(segPath(last), O_RDWR)
            currentSize = lastSegSize
            zeroedEnd = lastSegZeroedEnd
        }
        dropUnreferencedSegmentsLocked()
    }

    /// Deletes segment files no kept entry lives in (never the current one).
    private func dropUnreferencedSegmentsLocked() {
        let used = Set(locs.map(\.segment))
        for id in segments.dropLast() where !used.contains(id) { RaftFileIO.remove(segPath(id)) }
        segments = segments.enumerated().filter { used.contains($0.element) || $0.offset == segments.count - 1 }.map(\.element)
    }

    /// The commit index may be raised to what the state machine has durably
    /// applied (those entries were committed); used once at start-up.
    public func raiseCommit(to index: LogIndex) {
        writeLock.lock(); defer { writeLock.unlock() }
        lock.withLock {
            let target = min(index, lastIndexLocked)
            if target > hard.commit { hard.commit = target }
        }
    }
}
