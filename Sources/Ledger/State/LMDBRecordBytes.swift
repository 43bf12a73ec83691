import Checksum

/// The plain binary records of the state store that every block rewrites or
/// reads (block summaries, revisions): parts in a fixed order on Checksum's
/// `ByteWriter`/`ByteReader` — integers big-endian, byte strings, strings and
/// lists prefixed by their varint length or count. Cheaper than Ion for
/// records whose shape never varies.
extension ByteWriter {
    mutating func int64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    mutating func string(_ text: String) { blob(Array(text.utf8)) }

    mutating func blobs(_ list: [[UInt8]]) {
        varint(UInt64(list.count))
        for item in list { blob(item) }
    }

    mutating func strings(_ list: [String]) {
        varint(UInt64(list.count))
        for item in list { string(item) }
    }
}

extension ByteReader {
    mutating func int64() throws -> Int64 { Int64(bitPattern: try u64()) }

    mutating func string() throws -> String { String(decoding: try blob(), as: UTF8.self) }

    /// A list's count, refused when even one byte per item would overrun the record.
    private mutating func count() throws -> Int {
        let n = try varint()
        guard n <= UInt64(remaining) else { throw LedgerDecodingError("state: a list of \(n) items in \(remaining) bytes") }
        return Int(n)
    }

    mutating func blobs() throws -> [[UInt8]] { try (0..<count()).map { _ in try blob() } }

    mutating func strings() throws -> [String] { try (0..<count()).map { _ in try string() } }

    /// Any byte left after the record is an error.
    func end() throws {
        guard isAtEnd else { throw LedgerDecodingError("state: \(remaining) bytes after the record") }
    }
}
