import Checksum
/// Peer wire frames: `[u32 length][u32 crc32c(payload)][payload]`, big-endian.
public enum Frame {
    public static let headerSize = 8
    public static let defaultMaxSize = 16 * 1024 * 1024

    public static func encode(_ payload: [UInt8]) -> [UInt8] {
        payload.withUnsafeBytes { encode($0) }
    }

    public static func encode(_ payload: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(headerSize + payload.count)
        appendBigEndian(UInt32(payload.count), to: &out)
        appendBigEndian(CRC32C.checksum(payload), to: &out)
        out.append(contentsOf: payload)
        return out
    }

    static func appendBigEndian(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(v >> 24)); out.append(UInt8((v >> 16) & 0xFF))
        out.append(UInt8((v >> 8) & 0xFF)); out.append(UInt8(v & 0xFF))
    }
}

public enum FrameError: Error, Equatable, CustomStringConvertible {
    case tooLarge(length: Int, max: Int)
    case checksumMismatch(expected: UInt32, actual: UInt32)

    public var description: String {
        switch self {
        case .tooLarge(let n, let max): return "frame of \(n) bytes exceeds the \(max)-byte limit"
        case .checksumMismatch(let e, let a):
            return "frame checksum mismatch (header says \(String(e, radix: 16)), payload has \(String(a, radix: 16)))"
        }
    }
}

/// Reassembles frames from a byte stream. An oversize length is refused as
/// soon as its header arrives, before any payload is buffered.
public struct FrameDecoder {
    public let maxFrameSize: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maxFrameSize: Int = Frame.defaultMaxSize) { self.maxFrameSize = maxFrameSize }

    public var bufferedBytes: Int { buffer.count - start }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) { buffer.append(contentsOf: bytes) }
    public mutating func append(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    /// The next complete frame's payload, nil if more bytes are needed.
    public mutating func next() throws(FrameError) -> [UInt8]? {
        guard buffer.count - start >= Frame.headerSize else { compact(); return nil }
        let length = Int(readU32(start))
        if length > maxFrameSize { throw .tooLarge(length: length, max: maxFrameSize) }
        guard buffer.count - start >= Frame.headerSize + length else { compact(); return nil }
        let expected = readU32(start + 4)
        let payloadStart = start + Frame.headerSize
        let payload = Array(buffer[payloadStart..<payloadStart + length])
        let actual = CRC32C.checksum(payload)
        if actual != expected { throw .checksumMismatch(expected: expected, actual: actual) }
        start = payloadStart + length
        return payload
    }

    private func readU32(_ i: Int) -> UInt32 {
        UInt32(buffer[i]) << 24 | UInt32(buffer[i + 1]) << 16 | UInt32(buffer[i + 2]) << 8 | UInt32(buffer[i + 3])
    }

    private mutating func compact() {
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
            start = 0
        } else if start > 64 * 1024 {
            buffer.removeFirst(start)
            start = 0
        }
    }
}
