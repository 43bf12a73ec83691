import CLMDB
import Foundation

extension Environment {
    /// How much a commit waits for the disk. LMDB's crash behaviour for each is
    /// in Docs/storage-format.md, "State store (LMDB)".
    public enum Durability: Sendable, Equatable {
        /// fsync data, then fsync the meta page, at every commit: a committed
        /// transaction survives a power loss.
        case full
        /// `MDB_NOMETASYNC`: one fsync per commit (data, not the meta page). A
        /// system crash may undo the last committed transaction but leaves the
        /// database intact.
        case noMetaSync
        /// `MDB_NOSYNC`: no fsync at commit; `sync(force: true)` flushes. Safe
        /// against a process crash (kill -9); a system crash or power loss may
        /// lose recent transactions and, per LMDB, can corrupt the database.
        case noSync

        var flags: UInt32 {
            switch self {
            case .full: return 0
            case .noMetaSync: return UInt32(MDB_NOMETASYNC)
            case .noSync: return UInt32(MDB_NOSYNC)
            }
        }
    }

    /// Settings for `Environment.init`. The defaults suit a store larger than
    /// RAM on a 64-bit host.
    public struct Options: Sendable {
        /// Initial size of the memory map, which is also the largest the file
        /// may grow before the map is enlarged. It is address space, not RAM or
        /// disk: the file grows only as pages are written. Default 1 TiB.
        public var mapSize: Int = 1 << 40
        /// How far `write` may double the map when a transaction hits
        /// `MDB_MAP_FULL`. Default 16 TiB.
        public var mapSizeLimit: Int = 1 << 44
        /// How long growing the map waits for this process's open transactions
        /// to end (LMDB can only remap with none open); past it, `write`
        /// throws `.mapFull`. Seconds.
        public var resizeWaitTimeout: Double = 30
        /// Named databases the environment can hold (`mdb_env_set_maxdbs`).
        public var maxDatabases: Int = 32
        /// Read transactions that may be open at once (`mdb_env_set_maxreaders`).
        public var maxReaders: Int = 126
        public var durability: Durability = .full
        /// `MDB_NORDAHEAD`: no OS readahead; helps random reads when the store
        /// is larger than RAM.
        public var noReadAhead = false
        /// Permissions of data.mdb and lock.mdb.
        public var fileMode: mode_t = 0o644

        public init() {}
    }

    /// What `info()` reports: `mdb_env_info` and `mdb_env_stat` together.
    public struct Info: Sendable, Equatable {
        public var mapSize: Int
        public var pageSize: Int
        /// The highest page number in use; pages 0 and 1 are the meta pages.
        public var lastPageNumber: Int
        /// The id of the last committed write transaction.
        public var lastTransactionID: Int
        public var maxReaders: Int
        /// Reader slots in use (slots stay allocated after a reader ends).
        public var readerSlotsInUse: Int

        /// Bytes of the data file that hold pages (live or free).
        public var usedBytes: Int { (lastPageNumber + 1) * pageSize }
    }
}
