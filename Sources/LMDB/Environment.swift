import CLMDB
import Foundation

/// An LMDB environment: a directory holding `data.mdb` (a copy-on-write
/// B+tree in a memory map) and `lock.mdb` (the reader table).
///
/// Threads:
/// - Any number of threads may read at once; a read transaction is an MVCC
///   snapshot and never blocks, nor is blocked by, the writer.
/// - One write transaction at a time: LMDB serialises `write` calls with a
///   mutex, so a second writer waits. `write` cannot be nested on one thread.
/// - The environment is opened with `MDB_NOTLS`, so a `ReadTransaction` may be
///   begun on one thread and used or ended on another, but never used by two
///   threads at the same time.
/// - Open a directory once per process (a second `Environment` on the same
///   directory is refused: LMDB's file locks would break when either closed).
public final class Environment: @unchecked Sendable {
    /// The directory, as given.
    public let path: String
    public let options: Options
    let handle: OpaquePointer
    let gate = TransactionGate()
    let serial: UInt64
    /// The data file's page size (LMDB's, from the meta page; the OS's for a new file).
    public let pageSize: Int
    private let realPath: String
    private let databaseLock = NSLock()
    private var databases: [String?: Database] = [:]

    /// Opens (creating if needed) the environment in directory `path`.
    /// Throws `.invalid` or `.versionMismatch` if `data.mdb` is not a file this
    /// LMDB can read: treat it as corrupt.
    public init(path: String, options: Options = Options()) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard let resolved = realpath(path, nil) else { throw LMDBError.lmdb(code: errno) }
        realPath = String(cString: resolved)
        free(resolved)
        serial = try OpenEnvironments.claim(realPath)
        var env: OpaquePointer?
        do {
            try check(mdb_env_create(&env))
        } catch {
            OpenEnvironments.release(realPath)
            throw error
        }
        guard let env else {
            OpenEnvironments.release(realPath)
            throw LMDBError.lmdb(code: ENOMEM)
        }
        do {
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            try check(mdb_env_set_mapsize(env, (options.mapSize + page - 1) / page * page))
            try check(mdb_env_set_maxdbs(env, MDB_dbi(options.maxDatabases)))
            try check(mdb_env_set_maxreaders(env, UInt32(options.maxReaders)))
            var flags = UInt32(MDB_NOTLS) | options.durability.flags
            if options.noReadAhead { flags |= UInt32(MDB_NORDAHEAD) }
            try check(mdb_env_open(env, path, flags, options.fileMode))
        } catch {
            mdb_env_close(env)
            OpenEnvironments.release(realPath)
            throw error
        }
        self.handle = env
        self.path = path
        self.options = options
        var stat = MDB_stat()
        pageSize = mdb_env_stat(env, &stat) == 0 ? Int(stat.ms_psize) : Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    deinit {
        // Transactions and cursors retain the environment, so none is open.
        _ = close()
    }

    /// Closes the environment. Returns false, and leaves it open, while any
    /// transaction of this process is still open; true once it is closed
    /// (also when it already was). Afterwards every call throws `.misuse`.
    @discardableResult
    public func close() -> Bool {
        gate.close {
            mdb_env_close(handle)
            OpenEnvironments.release(realPath)
        }
    }

    /// Opens a named database, creating it if it is missing, in a write
    /// transaction of its own. Call once per name at start-up (not inside
    /// `write`) and keep the handle; later calls return the same handle.
    /// `name: nil` is the main database, which also lists the named ones: use
    /// either named databases or the main one, not both.
    public func openDatabase(_ name: String?, dupSort: Bool = false) throws -> Database {
        try databaseLock.withLock {
            if let known = databases[name] {
                guard known.dupSort == dupSort else {
                    throw LMDBError.misuse("database \(name ?? "main") is already open with dupSort \(known.dupSort)")
                }
                return known
            }
            var flags = UInt32(MDB_CREATE)
            if dupSort { flags |= UInt32(MDB_DUPSORT) }
            let dbi: MDB_dbi = try write { txn in
                var dbi: MDB_dbi = 0
                try check(mdb_dbi_open(try txn.live(), name, flags, &dbi))
                return dbi
            }
            let database = Database(name: name, dupSort: dupSort, dbi: dbi, owner: serial)
            databases[name] = database
            return database
        }
    }

    /// Runs `body` in a read transaction (a snapshot of the last commit) and
    /// ends it when `body` returns or throws.
    public func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        let txn = try beginRead()
        defer { txn.end() }
        return try body(txn)
    }

    /// Begins a read transaction that the caller ends with `end()` (or by
    /// dropping the last reference). It may move between threads. Keep it
    /// short-lived where you can: while it is open LMDB cannot reuse pages
    /// freed after its snapshot, and growing the map waits for it.
    public func beginRead() throws -> ReadTransaction {
        try gate.enter()
        var txn: OpaquePointer?
        let rc = mdb_txn_begin(handle, nil, UInt32(MDB_RDONLY), &txn)
        guard rc == 0, let txn else {
            gate.leave()
            throw rc == 0 ? LMDBError.lmdb(code: ENOMEM) : LMDBError(code: rc)
        }
        return ReadTransaction(environment: self, handle: txn)
    }

    /// Runs `body` in the write transaction: commits when it returns, aborts
    /// when it throws (nothing it wrote remains). If the map fills up, the
    /// transaction is aborted, the map doubled and `body` run again from the
    /// start, so `body` must not have effects outside the transaction that
    /// cannot be repeated. Blocks while another thread writes.
    public func write<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        while true {
            do {
                return try writeOnce(body)
            } catch LMDBError.mapFull {
                try grow()
            }
        }
    }

    private func writeOnce<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        try gate.checkNotWriter()
        try gate.enter()
        defer { gate.leave() }
        var handle: OpaquePointer?
        try check(mdb_txn_begin(self.handle, nil, 0, &handle))
        guard let handle else { throw LMDBError.lmdb(code: ENOMEM) }
        gate.setWriter(true)
        defer { gate.setWriter(false) }
        let txn = WriteTransaction(environment: self, handle: handle)
        let result: R
        do {
            result = try body(txn)
        } catch {
            let mapFull = txn.sawMapFull
            txn.abort()
            throw mapFull ? LMDBError.mapFull : error
        }
        if txn.sawMapFull {
            txn.abort()
            throw LMDBError.mapFull
        }
        try txn.commit()
        return result
    }

    /// Doubles the map, up to `options.mapSizeLimit`.
    private func grow() throws {
        let current = try info().mapSize
        guard current < options.mapSizeLimit else { throw LMDBError.mapFull }
        try resize(to: min(current * 2, options.mapSizeLimit), orThrow: .mapFull)
    }

    /// Sets the map size (the largest the data file may grow). Waits up to
    /// `options.resizeWaitTimeout` for this process's open transactions to end
    /// and holds new ones back meanwhile; throws `.misuse` if they do not end,
    /// e.g. when the calling thread itself holds one. A size below what the
    /// file uses is raised to it by LMDB.
    public func resize(to bytes: Int) throws {
        try gate.checkNotWriter()
        try resize(to: bytes, orThrow: .misuse("transactions stayed open for \(options.resizeWaitTimeout) s"))
    }

    private func resize(to bytes: Int, orThrow timeoutError: LMDBError) throws {
        let deadline = Date().addingTimeInterval(options.resizeWaitTimeout)
        let done: Void? = try gate.exclusively(until: deadline) {
            try check(mdb_env_set_mapsize(handle, bytes))
        }
        if done == nil { throw timeoutError }
    }

    /// Flushes committed transactions to disk (`mdb_env_sync`). With
    /// `force: false` the flush is skipped under `.noSync` durability.
    public func sync(force: Bool = true) throws {
        try withOpenEnvironment { try check(mdb_env_sync(handle, force ? 1 : 0)) }
    }

    /// Changes the durability of later commits, e.g. `.noSync` for a bulk
    /// rebuild, then `sync()` and back.
    public func setDurability(_ durability: Durability) throws {
        try withOpenEnvironment {
            let all = UInt32(MDB_NOSYNC) | UInt32(MDB_NOMETASYNC)
            try check(mdb_env_set_flags(handle, all, 0))
            if durability.flags != 0 { try check(mdb_env_set_flags(handle, durability.flags, 1)) }
        }
    }

    /// Map size, page size and use, last transaction id, readers.
    /// One `mdb_env_info` (the page size was read at open): cheap enough to
    /// ask after every commit.
    public func info() throws -> Info {
        try withOpenEnvironment {
            var envInfo = MDB_envinfo()
            try check(mdb_env_info(handle, &envInfo))
            return Info(mapSize: envInfo.me_mapsize, pageSize: pageSize,
                        lastPageNumber: envInfo.me_last_pgno, lastTransactionID: envInfo.me_last_txnid,
                        maxReaders: Int(envInfo.me_maxreaders), readerSlotsInUse: Int(envInfo.me_numreaders))
        }
    }

    /// `info().usedBytes`.
    public func usedBytes() throws -> Int { try info().usedBytes }

    /// Writes a consistent copy of the environment into `directory` (which
    /// must exist and hold no data.mdb) while readers and the writer carry on
    /// (`mdb_env_copy2`). `compact` leaves out free pages and renumbers the
    /// rest: smaller, slower to make.
    public func copy(to directory: String, compact: Bool = false) throws {
        try withOpenEnvironment {
            try check(mdb_env_copy2(handle, directory, compact ? UInt32(MDB_CP_COMPACT) : 0))
        }
    }

    /// Runs `body` counted as a transaction, so that close and resize wait.
    private func withOpenEnvironment<R>(_ body: () throws -> R) throws -> R {
        try gate.enter()
        defer { gate.leave() }
        return try body()
    }

    func checkOwner(_ database: Database) throws {
        guard database.owner == serial else {
            throw LMDBError.misuse("database \(database.name ?? "main") belongs to another environment")
        }
    }
}

/// The directories this process has open, so none is opened twice, and the
/// serial numbers that tie a `Database` to its environment.
private enum OpenEnvironments {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var paths: Set<String> = []
    nonisolated(unsafe) private static var lastSerial: UInt64 = 0

    static func claim(_ path: String) throws -> UInt64 {
        try lock.withLock {
            guard paths.insert(path).inserted else {
                throw LMDBError.misuse("\(path) is already open in this process")
            }
            lastSerial += 1
            return lastSerial
        }
    }

    static func release(_ path: String) {
        _ = lock.withLock { paths.remove(path) }
    }
}
