#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only log of opaque records, numbered from 0. Appends are buffered
/// (in the OS) until `sync()`, which makes everything appended so far durable;
/// callers batch many appends per sync (group commit).
///
/// Both implementations are safe to call from several threads; in particular
/// `sync()` may run on a writer thread while the loop thread keeps appending —
/// it then covers at least what was appended when it started.
public protocol JournalStore: AnyObject {
    /// Records appended (durable or still buffered).
    var count: Int { get }
    /// Records known durable: everything appended before the last completed `sync()`.
    var syncedCount: Int { get }
    /// Appends one record and returns its index (0-based). Not durable until `sync()`.
    @discardableResult
    func append(_ record: [UInt8]) throws -> Int
    /// Makes every record appended so far durable.
    func sync() throws
    /// Record `index` (0 ≤ index < count).
    func read(_ index: Int) throws -> [UInt8]
    /// Calls `body(index, record)` for each record from `from` to the count at the
    /// time of the call, in order (recovery and export scans).
    func forEach(from: Int, _ body: (Int, [UInt8]) throws -> Void) throws

    /// Replaces synced record `index` with `record` of exactly the same
    /// length, durably, before returning (redaction erases data this way;
    /// nothing else ever rewrites the journal).
    func overwrite(_ index: Int, with record: [UInt8]) throws

    /// From here to `endBuffering()`, appends may gather in memory and be
    /// written together (reads, `sync` and `overwrite` still see them).
    func beginBuffering()
    /// Writes what was buffered and ends buffering. If it throws, the buffered
    /// records are gone and the store is unusable until reopened.
    func endBuffering() throws
    /// Writes what was buffered so far and goes on buffering (a writer thread
    /// that gathered a group of records); fails as `endBuffering` does.
    func writeBuffered() throws
}

extension JournalStore {
    public func beginBuffering() {}
    public func endBuffering() throws {}
    public func writeBuffered() throws {}
}

public enum JournalStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A record in the acknowledged (synced) prefix is damaged or missing: the
    /// store refuses to open or to return it rather than serve wrong data.
    case corrupt(file: String, offset: Int, record: Int, reason: String)
    /// The `synced` bookkeeping file is unreadable.
    case corruptSyncedFile(file: String, reason: String)
    /// A system call failed.
    case io(operation: String, path: String, errno: Int32, message: String)
    /// A record larger than the store's limit; nothing was written.
    case recordTooLarge(size: Int, limit: Int)
    case indexOutOfRange(index: Int, count: Int)
    /// Another process (or another open store in this one) holds the directory.
    case locked(directory: String)
    /// The store was closed, or an earlier write/fsync failed and the store can
    /// no longer vouch for its files (reopen to recover).
    case unusable(reason: String)
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .corrupt(file, offset, record, reason):
            return "journal corrupt: file \(file), byte offset \(offset), record \(record): \(reason)"
        case let .corruptSyncedFile(file, reason):
            return "journal synced-count file \(file) is corrupt: \(reason)"
        case let .io(operation, path, code, message):
            return "\(operation) \(path) failed: \(message) (errno \(code))"
        case let .recordTooLarge(size, limit):
            return "journal record of \(size) bytes exceeds the limit of \(limit) bytes"
        case let .indexOutOfRange(index, count):
            return "journal record \(index) out of range (count \(count))"
        case let .locked(directory):
            return "journal directory \(directory) is already open (lock held)"
        case let .unusable(reason):
            return "journal store unusable: \(reason)"
        case let .invalidArgument(text):
            return "invalid journal store argument: \(text)"
        }
    }
}

/// A pthread mutex (no Foundation, no availability gates).
final class JournalStoreLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// An in-memory `JournalStore` for tests. `dropUnsynced()` simulates a crash.
public final class MemoryJournalStore: JournalStore, @unchecked Sendable {
    private let lock = JournalStoreLock()
    private var records: [[UInt8]] = []
    private var synced = 0
    public let maxRecordSize: Int

    public init(maxRecordSize: Int = 64 << 20) {
        self.maxRecordSize = maxRecordSize
    }

    public var count: Int { lock.withLock { records.count } }
    public var syncedCount: Int { lock.withLock { synced } }

    @discardableResult
    public func append(_ record: [UInt8]) throws -> Int {
        guard record.count <= maxRecordSize else {
            throw JournalStoreError.recordTooLarge(size: record.count, limit: maxRecordSize)
        }
        return lock.withLock {
            records.append(record)
            return records.count - 1
        }
    }

    public func sync() throws {
        lock.withLock { synced = records.count }
    }

    public func read(_ index: Int) throws -> [UInt8] {
        try lock.withLock {
            guard index >= 0 && index < records.count else {
                throw JournalStoreError.indexOutOfRange(index: index, count: records.count)
            }
            return records[index]
        }
    }

    public func forEach(from: Int, _ body: (Int, [UInt8]) throws -> Void) throws {
        let snapshot = lock.withLock { records }
        guard from >= 0 && from <= snapshot.count else {
            throw JournalStoreError.indexOutOfRange(index: from, count: snapshot.count)
        }
        for index in from..<snapshot.count {
            try body(index, snapshot[index])
        }
    }

    /// Forgets every record not yet synced, as a crash would.
    public func overwrite(_ index: Int, with record: [UInt8]) throws {
        try lock.withLock {
            guard index >= 0 && index < records.count else {
                throw JournalStoreError.indexOutOfRange(index: index, count: records.count)
            }
            guard record.count == records[index].count else {
                throw JournalStoreError.invalidArgument("an overwrite must keep the record's length")
            }
            guard index < synced else { throw JournalStoreError.invalidArgument("only synced records can be overwritten") }
            records[index] = record
        }
    }

    public func dropUnsynced() {
        lock.withLock { records.removeSubrange(synced...) }
    }
}
