/// Reports each successful fsync of a file by the storage code (journal
/// segments, the Raft log, atomic replaces). Nil in a node; the replica
/// simulator sets it to learn which bytes a power cut must keep.
public enum FsyncProbe {
    nonisolated(unsafe) public static var observer: ((_ path: String) -> Void)?

    /// `path` was fsynced, or renamed into place (the atomic-replace pattern,
    /// whose temporary file was fsynced first).
    @inline(__always)
    public static func synced(_ path: String) {
        if let observer { observer(path) }
    }
}
