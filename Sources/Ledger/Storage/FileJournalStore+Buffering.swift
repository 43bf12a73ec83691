/// Buffered appends: between `beginBuffering()` and `endBuffering()` frames
/// gather in memory and reach the segment in one `pwrite` (at the end, when
/// the buffer passes `pendingLimit`, before a segment rolls, and before any
/// read, sync or overwrite that needs them). A batch of blocks costs one
/// system call instead of one per block. A failed write makes the store
/// unusable, as a failed sync does: the caller's state has moved past what the
/// file holds, and reopening recovers both from the journal.
extension FileJournalStore {
    static let pendingLimit = 4 << 20

    public func beginBuffering() {
        lock.withLock { buffering = true }
    }

    public func endBuffering() throws {
        try lock.withLock {
            buffering = false
            try checkUsable()
            try writePending()
        }
    }

    public func writeBuffered() throws {
        try lock.withLock {
            try checkUsable()
            try writePending()
        }
    }

    /// Caller holds `lock`; `segment` is the last one and has room.
    func appendPending(header: [UInt8], record: [UInt8], to segment: Segment) throws -> Int {
        if pending.isEmpty { pendingOffset = segment.size }
        let offset = segment.size
        pending.append(contentsOf: header)
        pending.append(contentsOf: record)
        segment.size += header.count + record.count
        segment.offsets.append(UInt32(offset))
        total += 1
        pendingCount += 1
        let index = total - 1
        if pending.count >= Self.pendingLimit { try writePending() }
        return index
    }

    /// Writes the pending frames. Caller holds `lock`.
    func writePending() throws {
        guard pendingCount > 0 else { return }
        let segment = segments[segments.count - 1]
        assert(pendingOffset + pending.count == segment.size, "pending frames must end the last segment")
        do {
            if let injected = Failpoints.beforeJournalWrite(segment.path) {
                throw JournalFileIO.error("pwrite", segment.path, injected)
            }
            try pending.withUnsafeBytes { bytes in
                try JournalFileIO.pwriteAll(segment.fd, bytes, at: pendingOffset, path: segment.path)
            }
        } catch {
            // Take the records back: the file holds none of them past `pendingOffset`.
            try? JournalFileIO.truncateFile(segment.fd, to: pendingOffset, path: segment.path)
            segment.size = pendingOffset
            segment.offsets.removeLast(pendingCount)
            total -= pendingCount
            failure = "a buffered write of \(pendingCount) records to \(segment.path) failed: \(error); reopen to recover"
            pending = []
            pendingCount = 0
            throw error
        }
        pending.removeAll(keepingCapacity: pending.capacity <= Self.pendingLimit * 2)
        pendingCount = 0
    }
}
