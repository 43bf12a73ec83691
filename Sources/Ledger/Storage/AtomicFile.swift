/// The one crash-safe replacement of a small file in the code base: write
/// `<path>.tmp`, fsync it, rename it over `path`, fsync the directory. After
/// a crash the file holds either the old bytes or the new, never a mix. Used
/// by the journal's `synced` file, the Raft snapshot marker and members file,
/// `ledgers.ion` and backup manifests.
public enum AtomicFile {
    /// Throws `JournalStoreError.io` naming the failed call and path.
    /// `directoryFD`, when the caller holds the directory open, saves an open.
    public static func replace(_ path: String, with bytes: [UInt8], directoryFD: Int32? = nil) throws {
        try JournalFileIO.writeAtomically(bytes, to: path, directoryFD: directoryFD)
    }
}
