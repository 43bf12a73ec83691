import CLMDB
import Foundation

/// A non-null address for empty buffers: LMDB copies `mv_size` bytes from
/// `mv_data`, and a zero-length copy from NULL is still undefined in C.
nonisolated(unsafe) private let emptyByte = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

/// Calls `body` with an `MDB_val` over the bytes of `bytes`, valid only inside.
@inline(__always)
func withVal<R>(_ bytes: some ContiguousBytes, _ body: (inout MDB_val) throws -> R) rethrows -> R {
    try bytes.withUnsafeBytes { buffer in
        var val = MDB_val(mv_size: buffer.count,
                          mv_data: buffer.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) } ?? emptyByte)
        return try body(&val)
    }
}

extension MDB_val {
    /// The bytes LMDB points at; valid until the transaction's next write or end.
    var buffer: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mv_data, count: mv_size)
    }

    var bytes: [UInt8] { [UInt8](buffer) }
}
