import Ion

/// The control-plane payloads of PROTOCOL.md §3.6, as the server returns them.
extension Ledger {
    public struct Payload: Sendable {
        /// `Block.IonText` / `Revision.IonText`.
        public var ionText: String
        /// `Proof.IonText` (Ion list of blobs) when a digest tip was given.
        public var proofIonText: String?
    }

    /// `GetDigest`: the digest in base64 and `DigestTipAddress.IonText`.
    public func digestPayload() throws -> (digestBase64: String, tipIonText: String) {
        let (digest, tip) = try digest()
        return (Base64.encode(digest), tip.description)
    }

    /// `GetBlock`: the whole block in Ion text, and its proof to the digest at `tip`.
    public func blockPayload(address: BlockAddress, tip: BlockAddress?) throws -> Payload {
        let block = try block(at: address)
        let proof = try tip.map { try blockProof(blockAddress: address, tip: $0) }
        return Payload(ionText: BlockCodec.text(block.ion), proofIonText: proof.map(Ledger.proofText))
    }

    /// `GetRevision`: `{blockAddress, hash, data, metadata}` in Ion text, and its proof to the digest at `tip`.
    public func revisionPayload(address: BlockAddress, documentId: String, tip: BlockAddress?) throws -> Payload {
        let revision = try revision(at: address, documentId: documentId)
        let proof = try tip.map { try revisionProof(blockAddress: address, documentId: documentId, tip: $0) }
        return Payload(ionText: BlockCodec.text(revision.ion), proofIonText: proof.map(Ledger.proofText))
    }

    public static func proofText(_ proof: [[UInt8]]) -> String {
        BlockCodec.text(.list(proof.map { .blob($0) }))
    }

    /// Parses a `BlockAddress`/`DigestTipAddress` given as Ion text (spaces allowed).
    public static func parseAddress(ionText: String) throws -> BlockAddress {
        let values = try Ion.read(ionText)
        guard values.count == 1 else { throw LedgerDecodingError("expected one block address") }
        return try BlockAddress(ion: values[0])
    }
}

/// Standard base64 with padding (digest payloads).
public enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            let b1 = i + 1 < bytes.count ? bytes[i + 1] : 0
            let b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for c in text.utf8 where c != UInt8(ascii: "=") {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return out
    }
}
