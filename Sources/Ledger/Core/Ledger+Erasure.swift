extension Ledger {
    /// Erases a redacted revision's data from the journal itself: the block
    /// record that holds it is re-encoded with `dataHash` in place of `data`,
    /// padded with Ion NOP bytes to its old length, and overwritten in place
    /// (crash-safe; see `JournalOverwrite`). Every hash is unchanged — the
    /// revision hash is `dot(H(metadata), dataHash)` either way — so proofs
    /// and the chain still verify. Runs on every node when the redaction's
    /// block is applied, and again on open for a redaction whose erasure a
    /// crash interrupted (it is idempotent).
    ///
    /// Returns false when the erased record would not fit in the old one
    /// (data of a few bytes is smaller than its 32-byte hash); the data then
    /// stays on disk, hidden by every API, and `unerasedRedactions` counts it.
    @discardableResult
    func erase(_ request: RedactionRequest) throws -> Bool {
        let index = request.blockAddress.sequenceNo
        guard index >= 0, index < blockCount, request.blockAddress.strandId == strandId else { return false }
        try settleJournal()
        let original = try store.read(index)
        var block = try Block(ion: BlockCodec.decode(original))
        guard let r = block.revisions.firstIndex(where: {
            $0.metadata.id == request.documentId && $0.metadata.version == request.version
        }) else { return false }
        guard block.revisions[r].data != nil else { return true }  // erased already
        block.revisions[r] = block.revisions[r].redacted()
        var erased = BlockCodec.record(block)
        guard erased.count <= original.count else {
            unerasedRedactions += 1
            return false
        }
        // Each 0x00 byte is a one-byte Ion NOP pad, which readers skip.
        erased.append(contentsOf: repeatElement(0, count: original.count - erased.count))
        if index >= store.syncedCount { try store.sync() }
        try store.overwrite(index, with: erased)
        return true
    }
}
