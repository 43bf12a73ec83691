import Raft
import Checksum

/// Compact binary encoding of Raft `Message`s for the peer link.
///
/// ```
/// u8 version(1)  u8 kind  u8 flags(bit0 reject, bit1 leadershipTransfer, bit2 snapshot,
///                                  bit3 the snapshot's configuration has learners)
/// varint from to term logTerm index commit rejectHint
/// blob context
/// varint entryCount, each: varint term index, u8 kind, blob data
/// if snapshot: varint index term voterCount voters..., [if bit3: varint learnerCount learners...], blob data
/// ```
/// Decoding never traps: anything malformed (unknown kind, overrun, trailing
/// bytes, absurd counts) throws, and the caller drops the message.
public enum RaftMessageCodec {
    public static let version: UInt8 = 1

    public static func encode(_ m: Message) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(64 + m.entries.reduce(0) { $0 + $1.data.count + 12 })
        w.u8(version)
        w.u8(m.kind.rawValue)
        var flags: UInt8 = 0
        if m.reject { flags |= 1 }
        if m.leadershipTransfer { flags |= 2 }
        if m.snapshot != nil { flags |= 4 }
        if m.snapshot?.metadata.confState.learners.isEmpty == false { flags |= 8 }
        w.u8(flags)
        for v in [m.from, m.to, m.term, m.logTerm, m.index, m.commit, m.rejectHint] { w.varint(v) }
        w.blob(m.context)
        w.varint(UInt64(m.entries.count))
        for e in m.entries {
            w.varint(e.term)
            w.varint(e.index)
            w.u8(e.kind.rawValue)
            w.blob(e.data)
        }
        if let s = m.snapshot {
            w.varint(s.metadata.index)
            w.varint(s.metadata.term)
            w.varint(UInt64(s.metadata.confState.voters.count))
            for v in s.metadata.confState.voters { w.varint(v) }
            if flags & 8 != 0 {
                w.varint(UInt64(s.metadata.confState.learners.count))
                for l in s.metadata.confState.learners { w.varint(l) }
            }
            w.blob(s.data)
        }
        return w.bytes
    }

    public struct DecodeError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func decode(_ bytes: [UInt8]) throws -> Message {
        var r = ByteReader(bytes)
        do {
            let v = try r.u8()
            guard v == version else { throw DecodeError(description: "unknown message version \(v)") }
            let k = try r.u8()
            guard let kind = MessageKind(rawValue: k) else { throw DecodeError(description: "unknown message kind \(k)") }
            let flags = try r.u8()
            guard flags & ~15 == 0 else { throw DecodeError(description: "unknown flags \(flags)") }
            var m = Message(kind: kind)
            m.reject = flags & 1 != 0
            m.leadershipTransfer = flags & 2 != 0
            m.from = try r.varint()
            m.to = try r.varint()
            m.term = try r.varint()
            m.logTerm = try r.varint()
            m.index = try r.varint()
            m.commit = try r.varint()
            m.rejectHint = try r.varint()
            m.context = try r.blob()
            let n = try r.varint()
            // Each entry takes at least 4 bytes: bounds the count before allocating.
            guard n <= UInt64(r.remaining / 4) else { throw DecodeError(description: "entry count \(n) too large") }
            m.entries.reserveCapacity(Int(n))
            for _ in 0..<n {
                let term = try r.varint()
                let index = try r.varint()
                let ek = try r.u8()
                guard let ekind = EntryKind(rawValue: ek) else { throw DecodeError(description: "unknown entry kind \(ek)") }
                m.entries.append(Entry(term: term, index: index, kind: ekind, data: try r.blob()))
            }
            if flags & 4 != 0 {
                let index = try r.varint()
                let term = try r.varint()
                func ids() throws -> [NodeID] {
                    let n = try r.varint()
                    guard n <= UInt64(r.remaining) else { throw DecodeError(description: "member count \(n) too large") }
                    return try (0..<n).map { _ in try r.varint() }
                }
                let voters = try ids()
                let learners = flags & 8 != 0 ? try ids() : []
                let data = try r.blob()
                m.snapshot = Snapshot(metadata: SnapshotMetadata(index: index, term: term,
                                                                 confState: ConfState(voters: voters, learners: learners)),
                                      data: data)
            }
            guard r.isAtEnd else { throw DecodeError(description: "\(r.remaining) trailing bytes") }
            return m
        } catch let e as DecodeError {
            throw e
        } catch {
            throw DecodeError(description: "\(error)")
        }
    }
}
