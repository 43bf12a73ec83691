import LMDB

/// The plain binary records of the state store that every block rewrites or
/// reads (block summaries, revisions): parts in a fixed order, byte strings and lists
/// prefixed by their UInt32 big-endian length or count. Cheaper than Ion for
/// records whose shape never varies.
struct RecordWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 128) { bytes.reserveCapacity(capacity) }

    mutating func append(byte: UInt8) { bytes.append(byte) }

    mutating func append(_ value: Int64) {
        withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func appendCount(_ n: Int) {
        withUnsafeBytes(of: UInt32(n).bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(bytes more: [UInt8]) {
        appendCount(more.count)
        bytes.append(contentsOf: more)
    }

    mutating func append(_ text: String) {
        appendCount(text.utf8.count)
        bytes.append(contentsOf: text.utf8)
    }

    mutating func append(list: [[UInt8]]) {
        appendCount(list.count)
        for item in list { append(bytes: item) }
    }

    mutating func append(strings: [String]) {
        appendCount(strings.count)
        for item in strings { append(item) }
    }
}

/// Reads what `RecordWriter` wrote; any overrun or leftover byte is an error.
struct RecordReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, bytes.count - offset >= n else { throw LedgerDecodingError("state: record ends early") }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    mutating func byte() throws -> UInt8 { try take(1).first! }

    mutating func int64() throws -> Int64 {
        Int64(bitPattern: try take(8).reduce(0) { $0 << 8 | UInt64($1) })
    }

    mutating func count() throws -> Int {
        Int(try take(4).reduce(0) { $0 << 8 | UInt32($1) })
    }

    mutating func byteString() throws -> [UInt8] { Array(try take(count())) }

    mutating func string() throws -> String { String(decoding: try take(count()), as: UTF8.self) }

    mutating func list() throws -> [[UInt8]] {
        let n = try count()
        guard n <= bytes.count - offset else { throw LedgerDecodingError("state: record ends early") }
        return try (0..<n).map { _ in try byteString() }
    }

    mutating func strings() throws -> [String] {
        let n = try count()
        guard n <= bytes.count - offset else { throw LedgerDecodingError("state: record ends early") }
        return try (0..<n).map { _ in try string() }
    }

    func end() throws {
        guard offset == bytes.count else { throw LedgerDecodingError("state: \(bytes.count - offset) bytes after the record") }
    }
}
