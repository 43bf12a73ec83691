import Ion

/// Encodes a block's journal record (`Block.recordIon`, as Ion binary)
/// without building the record's value first: the fixed fields are written
/// straight from the block, the values it holds (documents, transactionInfo)
/// through the encoder. Every node encodes each block it applies, so this is
/// on the commit path.
enum BlockRecordWriter {
    /// The names every record uses ("version" is a system symbol). "data" is
    /// not one of them: a record whose revisions have none (deletes, erased
    /// data) lists no "data", so erasing a revision (`Ledger.erase`) never
    /// needs more room than the generic encoder's record would.
    static let preset = IonSymbolPreset([
        "blockAddress", "strandId", "sequenceNo", "transactionId", "blockTimestamp", "blockHash", "entriesHash",
        "previousBlockHash", "entriesHashList", "transactionInfo", "revisions", "hash", "metadata", "id",
        "txTime", "txId",
    ])
    private static let blockAddress = preset.id("blockAddress")
    private static let strandId = preset.id("strandId")
    private static let sequenceNo = preset.id("sequenceNo")
    private static let transactionId = preset.id("transactionId")
    private static let blockTimestamp = preset.id("blockTimestamp")
    private static let blockHash = preset.id("blockHash")
    private static let entriesHash = preset.id("entriesHash")
    private static let previousBlockHash = preset.id("previousBlockHash")
    private static let entriesHashList = preset.id("entriesHashList")
    private static let transactionInfo = preset.id("transactionInfo")
    private static let revisions = preset.id("revisions")
    private static let hash = preset.id("hash")
    private static let metadata = preset.id("metadata")
    private static let id = preset.id("id")
    private static let txTime = preset.id("txTime")
    private static let txId = preset.id("txId")

    /// The same value as `BlockCodec.encode(block.recordIon)`; its bytes may differ (symbol ids).
    static func encode(_ block: Block) -> [UInt8] {
        // Back to front: the last field first, each field's value before its name.
        var w = IonBinaryBuilder(preset: preset)
        let record = w.position
        let list = w.position
        for entry in block.revisionEntries.reversed() {
            if let revision = entry.revision {
                write(revision, to: &w)
            } else {
                let start = w.position
                w.write(.blob(entry.hash))
                w.writeFieldName(id: hash)
                w.closeStruct(since: start)
            }
        }
        w.closeList(since: list)
        w.writeFieldName(id: revisions)
        if let redactionInfo = block.redactionInfo {
            w.write(redactionInfo)
            w.writeFieldName("redactionInfo")
        }
        w.write(block.transactionInfo)
        w.writeFieldName(id: transactionInfo)
        let hashes = w.position
        for h in block.entriesHashList.reversed() { w.write(.blob(h)) }
        w.closeList(since: hashes)
        w.writeFieldName(id: entriesHashList)
        w.write(.blob(block.previousBlockHash))
        w.writeFieldName(id: previousBlockHash)
        w.write(.blob(block.entriesHash))
        w.writeFieldName(id: entriesHash)
        w.write(.blob(block.blockHash))
        w.writeFieldName(id: blockHash)
        w.write(IonRead.timestampValue(ms: block.timestampMs))
        w.writeFieldName(id: blockTimestamp)
        w.write(.string(block.transactionId))
        w.writeFieldName(id: transactionId)
        write(block.address, to: &w)
        w.writeFieldName(id: blockAddress)
        w.closeStruct(since: record)
        if block.isForeign { w.annotate(since: record, with: Block.foreignAnnotation) }
        return w.finish()
    }

    /// `Revision.ion`: `{blockAddress, hash, [data], [dataHash], metadata}`.
    private static func write(_ revision: Revision, to w: inout IonBinaryBuilder) {
        let start = w.position
        let meta = w.position  // metadata, the last field, is written first
        w.write(.string(revision.metadata.txId))
        w.writeFieldName(id: txId)
        w.write(IonRead.timestampValue(ms: revision.metadata.txTimeMs))
        w.writeFieldName(id: txTime)
        w.write(.int(revision.metadata.version))
        w.writeFieldName("version")
        w.write(.string(revision.metadata.id))
        w.writeFieldName(id: id)
        w.closeStruct(since: meta)
        w.writeFieldName(id: metadata)
        if let dataHash = revision.dataHash {
            w.write(.blob(dataHash))
            w.writeFieldName("dataHash")
        }
        if let value = revision.data {
            w.write(value)
            w.writeFieldName("data")
        }
        w.write(.blob(revision.hash))
        w.writeFieldName(id: hash)
        write(revision.blockAddress, to: &w)
        w.writeFieldName(id: blockAddress)
        w.closeStruct(since: start)
    }

    private static func write(_ address: BlockAddress, to w: inout IonBinaryBuilder) {
        let start = w.position
        w.write(.int(address.sequenceNo))
        w.writeFieldName(id: sequenceNo)
        w.write(.string(address.strandId))
        w.writeFieldName(id: strandId)
        w.closeStruct(since: start)
    }
}
