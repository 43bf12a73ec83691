import Foundation

/// Test-only faults in the storage layer and the wall clock, for the chaos
/// campaigns (Docs/reliability.md, "Disk and clock nemeses"). Disarmed in
/// every process unless something calls `arm`; a node does so only when its
/// configuration says `[testing] failpoints = true` (`Node`), and refuses to
/// start if `TALLY_FAILPOINTS` is set without it.
///
/// The spec is `;`-separated `key=value` pairs:
/// - `fsync=error` — every fsync under `pathPrefix` fails with EIO (after the
///   real fsync, as a disk that lost the write would report it);
/// - `fsync_delay_ms=N` — every fsync under `pathPrefix` takes N ms longer;
/// - `state_commit=error` — every commit of a state-store batch
///   (`LMDBStateStore.flush`) under `pathPrefix` fails with ENOSPC and the
///   batch is dropped, as a full disk fails LMDB's page writes;
/// - `journal_write=error` — every buffered journal write (the frames of a
///   batch, `FileJournalStore.writePending`) under `pathPrefix` fails with
///   ENOSPC and nothing of it stays in the file;
/// - `clock_offset_ms=N` — `LedgerTime.nowMilliseconds` (the wall clock of
///   transaction and block times) reads N ms ahead (negative: behind).
///   Process-wide; monotonic clocks are never shifted.
/// An empty spec, or `off`, disarms everything.
public enum Failpoints {
    public struct Settings: Equatable, Sendable {
        public var fsyncError = false
        public var fsyncDelayMilliseconds = 0
        public var stateCommitError = false
        public var journalWriteError = false
        public var clockOffsetMilliseconds: Int64 = 0
        /// Fsync faults touch only files under this directory; nil = every file.
        public var pathPrefix: String?

        public init() {}

        public var isArmed: Bool { fsyncError || fsyncDelayMilliseconds > 0 || stateCommitError || journalWriteError
            || clockOffsetMilliseconds != 0 }

        public static func parse(_ spec: String, pathPrefix: String? = nil) throws -> Settings {
            var s = Settings()
            s.pathPrefix = pathPrefix
            let trimmed = spec.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == "off" { return s }
            for pair in trimmed.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard kv.count == 2 else { throw FailpointError("failpoint \"\(pair)\" is not key=value") }
                switch kv[0] {
                case "fsync":
                    guard kv[1] == "error" || kv[1] == "ok" else {
                        throw FailpointError("fsync must be \"error\" or \"ok\", got \"\(kv[1])\"")
                    }
                    s.fsyncError = kv[1] == "error"
                case "state_commit":
                    guard kv[1] == "error" || kv[1] == "ok" else {
                        throw FailpointError("state_commit must be \"error\" or \"ok\", got \"\(kv[1])\"")
                    }
                    s.stateCommitError = kv[1] == "error"
                case "journal_write":
                    guard kv[1] == "error" || kv[1] == "ok" else {
                        throw FailpointError("journal_write must be \"error\" or \"ok\", got \"\(kv[1])\"")
                    }
                    s.journalWriteError = kv[1] == "error"
                case "fsync_delay_ms":
                    guard let n = Int(kv[1]), (0...60_000).contains(n) else {
                        throw FailpointError("fsync_delay_ms must be 0…60000, got \"\(kv[1])\"")
                    }
                    s.fsyncDelayMilliseconds = n
                case "clock_offset_ms":
                    guard let n = Int64(kv[1]), abs(n) <= 365 * 86_400_000 else {
                        throw FailpointError("clock_offset_ms must be an integer within a year, got \"\(kv[1])\"")
                    }
                    s.clockOffsetMilliseconds = n
                default:
                    throw FailpointError("unknown failpoint \"\(kv[0])\" (fsync, fsync_delay_ms, state_commit, journal_write, clock_offset_ms)")
                }
            }
            return s
        }
    }

    private static let lock = NSLock()
    /// Every access holds `lock` (an uncontended lock costs nanoseconds; an fsync, milliseconds).
    nonisolated(unsafe) private static var settings = Settings()

    public static func arm(_ s: Settings) {
        lock.lock()
        settings = s
        lock.unlock()
    }

    public static func disarm() { arm(Settings()) }

    public static var current: Settings {
        lock.lock()
        defer { lock.unlock() }
        return settings
    }

    /// Called by the storage code after a successful fsync of `path`: sleeps
    /// the armed delay and returns the errno to fail with, if any.
    public static func afterFsync(_ path: String) -> Int32? {
        let s = current
        guard s.fsyncError || s.fsyncDelayMilliseconds > 0 else { return nil }
        if let prefix = s.pathPrefix, !path.hasPrefix(prefix) { return nil }
        if s.fsyncDelayMilliseconds > 0 { usleep(useconds_t(s.fsyncDelayMilliseconds) * 1000) }
        return s.fsyncError ? EIO : nil
    }

    /// Called by the state store before committing a batch in `directory`:
    /// the errno to fail the commit with, if any.
    public static func beforeStateCommit(_ directory: String) -> Int32? {
        let s = current
        guard s.stateCommitError else { return nil }
        if let prefix = s.pathPrefix, !(directory + "/").hasPrefix(prefix) { return nil }
        return ENOSPC
    }

    /// Called by the journal before a buffered write to `path`: the errno to
    /// fail it with, if any.
    public static func beforeJournalWrite(_ path: String) -> Int32? {
        let s = current
        guard s.journalWriteError else { return nil }
        if let prefix = s.pathPrefix, !path.hasPrefix(prefix) { return nil }
        return ENOSPC
    }

    /// The offset added to the wall clock (0 when disarmed).
    public static var wallClockOffsetMilliseconds: Int64 { current.clockOffsetMilliseconds }
}

public struct FailpointError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
