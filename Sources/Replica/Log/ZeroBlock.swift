import Foundation

/// 64 KiB of zeros: the source of a Raft log segment's preallocated tail, and
/// what a tail is compared with (a block at a time, never byte by byte: the
/// replica simulator runs debug builds).
public enum ZeroBlock {
    static let bytes = [UInt8](repeating: 0, count: 64 << 10)

    /// Whether every byte of `raw` is zero.
    public static func isAllZero(_ raw: UnsafeRawBufferPointer) -> Bool {
        bytes.withUnsafeBytes { z in
            var at = 0
            while at < raw.count {
                let n = min(z.count, raw.count - at)
                if memcmp(raw.baseAddress! + at, z.baseAddress!, n) != 0 { return false }
                at += n
            }
            return true
        }
    }
}
