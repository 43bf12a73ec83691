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
