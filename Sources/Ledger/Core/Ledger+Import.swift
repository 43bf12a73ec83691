extension Ledger {
    /// Appends a block imported from a QLDB journal export: kept exactly as
    /// written (`entriesHashList` and all), marked foreign in its journal
    /// record, and verified on the way in with QLDB's block rule
    /// (`BlockHasher.checkForeign`) chained to this ledger's own previous
    /// block — the same path as `appendReplicated`, so a block that does not
    /// verify or apply changes nothing. Only an empty ledger or one whose
    /// first block was imported takes imported blocks.
    @discardableResult
    public func appendImported(_ block: Block) throws -> Block {
        var foreign = block
        foreign.isForeign = true
        return try appendReplicated(record: BlockCodec.record(foreign), decoded: foreign)
    }
}
