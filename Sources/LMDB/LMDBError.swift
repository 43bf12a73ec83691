import CLMDB

/// An error from LMDB or from misuse of this wrapper.
///
/// `MDB_NOTFOUND` is never thrown: lookups return `nil` and deletes `false`.
/// The cases callers act on are named; every other LMDB or `errno` code is
/// `.lmdb(code:)`. `description` carries the code and `mdb_strerror` text.
public enum LMDBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `MDB_MAP_FULL`: the map is full. `Environment.write` grows the map and
    /// retries by itself; this reaches callers only past `Options.mapSizeLimit`
    /// or when readers kept the map from being resized.
    case mapFull
    /// `MDB_CORRUPTED`: a page has the wrong type.
    case corrupted
    /// `MDB_PAGE_NOTFOUND`: a page number points outside the file.
    case pageNotFound
    /// `MDB_PANIC`: a fatal error earlier; the environment must be closed.
    case panic
    /// `MDB_VERSION_MISMATCH`: the file was written by an incompatible LMDB.
    case versionMismatch
    /// `MDB_INVALID`: the file is not an LMDB file (bad meta pages).
    case invalid
    /// `MDB_READERS_FULL`: every reader slot is taken (`Options.maxReaders`).
    case readersFull
    /// `MDB_DBS_FULL`: too many named databases (`Options.maxDatabases`).
    case databasesFull
    /// Any other LMDB code (negative) or `errno` value (positive).
    case lmdb(code: Int32)
    /// The wrapper refused a call that would have been undefined behaviour in
    /// LMDB: a closed environment, an ended transaction, a nested write
    /// transaction on one thread, a `Database` from another environment.
    case misuse(String)

    /// True for the errors that mean the files cannot be trusted: rebuild the
    /// store from its source. (LMDB detects only some damage; see
    /// Docs/storage-format.md, "State store (LMDB)".)
    public var indicatesCorruption: Bool {
        switch self {
        case .corrupted, .pageNotFound, .panic, .versionMismatch, .invalid: return true
        default: return false
        }
    }

    /// The LMDB or `errno` code; 0 for `.misuse`.
    public var code: Int32 {
        switch self {
        case .mapFull: return MDB_MAP_FULL
        case .corrupted: return MDB_CORRUPTED
        case .pageNotFound: return MDB_PAGE_NOTFOUND
        case .panic: return MDB_PANIC
        case .versionMismatch: return MDB_VERSION_MISMATCH
        case .invalid: return MDB_INVALID
        case .readersFull: return MDB_READERS_FULL
        case .databasesFull: return MDB_DBS_FULL
        case .lmdb(let code): return code
        case .misuse: return 0
        }
    }

    public var description: String {
        if case .misuse(let why) = self { return "LMDB misuse: \(why)" }
        return "LMDB error \(code): \(String(cString: mdb_strerror(code)))"
    }

    init(code: Int32) {
        switch code {
        case MDB_MAP_FULL: self = .mapFull
        case MDB_CORRUPTED: self = .corrupted
        case MDB_PAGE_NOTFOUND: self = .pageNotFound
        case MDB_PANIC: self = .panic
        case MDB_VERSION_MISMATCH: self = .versionMismatch
        case MDB_INVALID: self = .invalid
        case MDB_READERS_FULL: self = .readersFull
        case MDB_DBS_FULL: self = .databasesFull
        default: self = .lmdb(code: code)
        }
    }
}

/// Throws for any non-zero LMDB return code.
@inline(__always)
func check(_ rc: Int32) throws {
    if rc != 0 { throw LMDBError(code: rc) }
}

/// Returns false for `MDB_NOTFOUND`, true for success, and throws otherwise.
@inline(__always)
func found(_ rc: Int32) throws -> Bool {
    if rc == MDB_NOTFOUND { return false }
    try check(rc)
    return true
}
