import Foundation
import Ledger
import Raft
import Checksum

/// On-disk layouts of `FileRaftStorage` (all integers big-endian, CRC-32C).
///
/// ```
/// <dir>/state            two 512-byte slots, written alternately in place:
///                        "TRAFTHS1" seq term vote commit syncedSegment syncedOffset crc32c
///                        (the valid slot with the higher seq wins)
/// <dir>/snapshot         "TRAFTSN2" index term voterCount voters... learnerCount learners...
///                        dataLength data crc32c ("TRAFTSN1", read too, has no learners)
///                        (replaced atomically: temp file, fsync, rename, fsync dir)
/// <dir>/log/<id>.seg     "TRAFTLG1" firstIndex, then records (ids ascend; a later
///                        segment starting at or below the end of the log before it
///                        supersedes that suffix)
///                        [u32 length][u32 crc32c(payload)][payload = index term kind data]
/// ```
enum RaftLogFormat {
    static let stateMagic = Array("TRAFTHS1".utf8)
    static let snapshotMagic = Array("TRAFTSN2".utf8)
    static let snapshotMagicV1 = Array("TRAFTSN1".utf8)
    static let segmentMagic = Array("TRAFTLG1".utf8)
    static let slotSize = 512
    static let slotPayloadSize = 8 + 8 * 7
    static let segmentHeaderSize = 16
    static let recordHeaderSize = 8
    static let maxRecordSize = 256 << 20

    struct StateSlot: Equatable {
        var seq: UInt64
        var hardState: HardState
        /// First index of the segment holding the synced end, and the byte offset of that end.
        var syncedSegment: UInt64
        var syncedOffset: UInt64
    }

    static func encodeSlot(_ s: StateSlot) -> [UInt8] {
        var w = ByteWriter()
        w.raw(stateMagic)
        w.u64(s.seq)
        w.u64(s.hardState.term)
        w.u64(s.hardState.vote)
        w.u64(s.hardState.commit)
        w.u64(s.syncedSegment)
        w.u64(s.syncedOffset)
        w.u64(0)  // reserved
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    static func decodeSlot(_ bytes: [UInt8], at offset: Int) -> StateSlot? {
        let n = slotPayloadSize + 4
        guard bytes.count >= offset + n else { return nil }
        let body = Array(bytes[offset..<offset + slotPayloadSize])
        var r = ByteReader(bytes, from: offset + slotPayloadSize, to: offset + n)
        guard let crc = try? r.u32(), crc == CRC32C.checksum(body), Array(body[0..<8]) == stateMagic else { return nil }
        var b = ByteReader(body, from: 8)
        guard let seq = try? b.u64(), let term = try? b.u64(), let vote = try? b.u64(), let commit = try? b.u64(),
              let seg = try? b.u64(), let off = try? b.u64() else { return nil }
        return StateSlot(seq: seq, hardState: HardState(term: term, vote: vote, commit: commit),
                         syncedSegment: seg, syncedOffset: off)
    }

    static func encodeSnapshot(_ s: Snapshot) -> [UInt8] {
        var w = ByteWriter()
        w.raw(snapshotMagic)
        w.u64(s.metadata.index)
        w.u64(s.metadata.term)
        w.u32(UInt32(s.metadata.confState.voters.count))
        for v in s.metadata.confState.voters { w.u64(v) }
        w.u32(UInt32(s.metadata.confState.learners.count))
        for l in s.metadata.confState.learners { w.u64(l) }
        w.u32(UInt32(s.data.count))
        w.raw(s.data)
        w.u32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    static func decodeSnapshot(_ bytes: [UInt8]) throws -> Snapshot {
        guard bytes.count >= 8 + 16 + 4 + 4 + 4 else { throw ByteReaderError(description: "snapshot file too short") }
        let crcAt = bytes.count - 4
        var c = ByteReader(bytes, from: crcAt)
        let crc = try c.u32()
        guard crc == CRC32C.checksum(Array(bytes[0..<crcAt])) else { throw ByteReaderError(description: "snapshot file checksum mismatch") }
        var r = ByteReader(bytes, from: 8, to: crcAt)
        let magic = Array(bytes[0..<8])
        guard magic == snapshotMagic || magic == snapshotMagicV1 else { throw ByteReaderError(description: "not a snapshot file") }
        let index = try r.u64()
        let term = try r.u64()
        func ids() throws -> [NodeID] {
            let n = Int(try r.u32())
            try r.need(n * 8)
            return try (0..<n).map { _ in try r.u64() }
        }
        let voters = try ids()
        let learners = magic == snapshotMagic ? try ids() : []
        let dn = Int(try r.u32())
        let data = try r.raw(dn)
        return Snapshot(metadata: SnapshotMetadata(index: index, term: term,
                                                   confState: ConfState(voters: voters, learners: learners)), data: data)
    }

    static func segmentHeader(first: UInt64) -> [UInt8] {
        var w = ByteWriter()
        w.raw(segmentMagic)
        w.u64(first)
        return w.bytes
    }

    static func encodeRecord(_ e: Entry) -> [UInt8] {
        var p = ByteWriter()
        p.u64(e.index)
        p.u64(e.term)
        p.u8(e.kind.rawValue)
        p.raw(e.data)
        var w = ByteWriter()
        w.u32(UInt32(p.bytes.count))
        w.u32(CRC32C.checksum(p.bytes))
        w.raw(p.bytes)
        return w.bytes
    }

    enum RecordResult {
        case record(Entry, next: Int)
        /// Not a whole valid record at this offset (torn or corrupt).
        case bad(String)
        case end
    }

    static func readRecord(_ bytes: [UInt8], at offset: Int) -> RecordResult {
        if offset == bytes.count { return .end }
        guard bytes.count - offset >= recordHeaderSize else { return .bad("partial record header") }
        var r = ByteReader(bytes, from: offset)
        let length = Int((try? r.u32()) ?? 0)
        let crc = (try? r.u32()) ?? 0
        guard length >= 17, length <= maxRecordSize else { return .bad("bad record length \(length)") }
        guard bytes.count - r.pos >= length else { return .bad("partial record (\(bytes.count - r.pos) of \(length) bytes)") }
        let payload = Array(bytes[r.pos..<r.pos + length])
        guard CRC32C.checksum(payload) == crc else { return .bad("record checksum mismatch") }
        var p = ByteReader(payload)
        guard let index = try? p.u64(), let term = try? p.u64(), let k = try? p.u8(),
              let kind = EntryKind(rawValue: k) else { return .bad("malformed record") }
        let data = Array(payload[17...])
        return .record(Entry(term: term, index: index, kind: kind, data: data), next: r.pos + length)
    }

    static func segmentName(_ id: UInt64) -> String {
        let s = String(id)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s + ".seg"
    }

    static func parseSegmentName(_ name: String) -> UInt64? {
        guard name.hasSuffix(".seg"), name.count == 24 else { return nil }
        return UInt64(name.dropLast(4))
    }
}
