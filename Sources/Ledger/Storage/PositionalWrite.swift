#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one `pwrite` loop of the storage files (the journal here, the Raft log
/// in Replica): each caller turns the errno into its own error.
public enum PositionalWrite {
    /// Writes all of `bytes` at `offset`, retrying after EINTR and short
    /// writes. 0 once every byte is written; else the failure's errno (EIO for
    /// a write that made no progress).
    public static func all(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            done += n
        }
        return 0
    }
}
