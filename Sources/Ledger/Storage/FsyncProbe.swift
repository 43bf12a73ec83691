/// Reports each successful fsync of a file by the storage code (journal
/// segments, the Raft log, atomic replaces). Nil in a node; the replica
/// simulator sets it to learn which bytes a power cut must keep.
public enum FsyncProbe {
    nonisolated(unsafe) public static var observer: ((_ path: String, _ zerosFrom: Int?) -> Void)?

    /// `path` was fsynced, or renamed into place (the atomic-replace pattern,
    /// whose temporary file was fsynced first). `zerosFrom`: the file holds
    /// only zeros from there to its end (a preallocated tail that later writes
    /// overwrite in place, so a power cut can lose them without the size changing).
    @inline(__always)
    public static func synced(_ path: String, zerosFrom: Int? = nil) {
        if let observer { observer(path, zerosFrom) }
    }
}
