#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The symbol tables of recently read local symbol tables, by their bytes.
///
/// A stream's first local symbol table applied to a fresh table yields a
/// table that depends on nothing but the table's bytes (and the read limits),
/// and writers of one kind of small stream repeat the same table in every
/// stream: a replicated command, a request's parameter, a stored revision.
/// A hit replaces decoding the table (a `String` per symbol) with comparing
/// its bytes to those of the slots of the same length (`memcmp`; no hash: a
/// hash of the bytes cost several times the comparison). Any thread.
final class LocalSymbolTableCache: @unchecked Sendable {
    static let shared = LocalSymbolTableCache()
    /// Longer tables are not kept (nor looked up).
    static let maxTableBytes = 4096
    static let slots = 32

    private struct Entry {
        var bytes: [UInt8]
        var maxDepth: Int
        var maxIntegerBytes: Int
        var table: SymbolTable
    }

    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private var entries: [Entry?] = Array(repeating: nil, count: LocalSymbolTableCache.slots)
    /// Each slot's table length (0 when empty), scanned without copying the entries (a copy retains their arrays).
    private var lengths = [Int](repeating: 0, count: LocalSymbolTableCache.slots)
    private var nextSlot = 0
    /// Lookups that found their table (`hitCount`).
    private var hits = 0

    init() {
        lock = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// The table `bytes` (a whole `$ion_symbol_table::{…}` wrapper) made from a fresh table under these limits.
    func table(for bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxIntegerBytes: Int) -> SymbolTable? {
        guard bytes.count > 0 else { return nil }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        for slot in lengths.indices where lengths[slot] == bytes.count {
            guard let entry = entries[slot], entry.maxDepth == maxDepth, entry.maxIntegerBytes == maxIntegerBytes,
                  entry.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
            else { continue }
            hits += 1
            return entry.table
        }
        return nil
    }

    /// Lookups that found their table so far (tests).
    var hitCount: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return hits
    }

    func remember(_ table: SymbolTable, for bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int, maxIntegerBytes: Int) {
        guard bytes.count > 0 else { return }
        let entry = Entry(bytes: Array(bytes), maxDepth: maxDepth, maxIntegerBytes: maxIntegerBytes, table: table)
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        entries[nextSlot] = entry
        lengths[nextSlot] = bytes.count
        nextSlot = (nextSlot + 1) % entries.count
    }
}
