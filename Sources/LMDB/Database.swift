import CLMDB

/// A handle to a database (LMDB's "DBI") inside an environment: a B-tree of
/// keys in byte order (memcmp, shorter first on a tie). Obtain one from
/// `Environment.openDatabase`, once, at start-up; it is a plain value that any
/// thread may use with any transaction of the same environment.
public struct Database: Sendable, Hashable {
    /// The name, or nil for the environment's unnamed main database.
    public let name: String?
    /// True if a key holds a sorted set of values (`MDB_DUPSORT`).
    public let dupSort: Bool
    let dbi: MDB_dbi
    let owner: UInt64

    /// Entry and page counts of one database (`mdb_stat`).
    public struct Stat: Sendable, Equatable {
        /// Key/value pairs; with `dupSort`, every value counts.
        public var entries: Int
        public var depth: Int
        public var branchPages: Int
        public var leafPages: Int
        public var overflowPages: Int
    }
}

/// Flags for `WriteTransaction.put`.
public struct PutFlags: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `MDB_NOOVERWRITE`: leave an existing key alone; `put` returns false.
    public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// `MDB_NODUPDATA` (dupSort only): leave an existing key/value pair alone;
    /// `put` returns false.
    public static let noDuplicateData = PutFlags(rawValue: UInt32(MDB_NODUPDATA))
    /// `MDB_APPEND`: the key is greater than every key in the database (bulk
    /// loads in key order); otherwise LMDB fails with `MDB_KEYEXIST`.
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
}
