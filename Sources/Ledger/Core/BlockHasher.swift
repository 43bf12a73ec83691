import Ion

/// Every hash of a block (PROTOCOL.md §3.2–3.5), in one place:
/// - revision hash = `dot(H(metadata), H(data))` (see `Revision.hash`);
/// - `entriesHashList = [MerkleRoot(revision hashes), H(transactionInfo)(, H(redactionInfo))]`,
///   the revisions root left out when the block has no revision, so no entry is ever empty;
/// - `entriesHash = MerkleRoot(entriesHashList)`; `blockHash = dot(entriesHash, previousBlockHash)`;
/// - the first block's `previousBlockHash` is `H(strandId as an Ion string)`.
enum BlockHasher {
    struct RevisionContent {
        var metadata: RevisionMetadata
        var data: IonValue?
        var dataHash: [UInt8]?
    }

    static func genesisPreviousHash(strandId: String) -> [UInt8] { IonValue.string(strandId).ionHash }

    static func entriesHashList(revisionHashes: [[UInt8]], transactionInfo: IonValue, redactionInfo: IonValue?) -> [[UInt8]] {
        var list: [[UInt8]] = []
        if !revisionHashes.isEmpty { list.append(QLDBHash.merkleRoot(revisionHashes)) }
        list.append(transactionInfo.ionHash)
        if let redactionInfo { list.append(redactionInfo.ionHash) }
        return list
    }

    static func seal(address: BlockAddress, transactionId: String, timestampMs: Int64, previousBlockHash: [UInt8],
                     transactionInfo: IonValue, redactionInfo: IonValue?, revisions: [RevisionContent]) -> Block {
        let sealed = revisions.map { r in
            Revision(blockAddress: address, hash: Revision.hash(metadata: r.metadata.ion, data: r.data, dataHash: r.dataHash),
                     data: r.data, dataHash: r.dataHash, metadata: r.metadata)
        }
        let list = entriesHashList(revisionHashes: sealed.map(\.hash), transactionInfo: transactionInfo, redactionInfo: redactionInfo)
        let entriesHash = QLDBHash.merkleRoot(list)
        return Block(address: address, transactionId: transactionId, timestampMs: timestampMs,
                     blockHash: QLDBHash.dot(entriesHash, previousBlockHash), entriesHash: entriesHash,
                     previousBlockHash: previousBlockHash, entriesHashList: list, transactionInfo: transactionInfo,
                     redactionInfo: redactionInfo, revisions: sealed)
    }

    /// Recomputes every hash of a block and checks that it chains after
    /// `previousBlockHash`. Returns what is wrong, or nil.
    static func check(_ block: Block, previousBlockHash: [UInt8]) -> String? {
        if block.isForeign { return checkForeign(block, previousBlockHash: previousBlockHash) }
        if block.previousBlockHash != previousBlockHash { return "previousBlockHash does not chain to the preceding block" }
        if !block.systemRevisions.isEmpty { return "a revision without metadata in a block that is not imported" }
        for revision in block.revisions {
            if revision.blockAddress != block.address { return "revision of \(revision.metadata.id) has another blockAddress" }
            if revision.metadata.txId != block.transactionId { return "revision of \(revision.metadata.id) has another txId" }
            if revision.metadata.txTimeMs != block.timestampMs { return "revision of \(revision.metadata.id) has another txTime" }
            if revision.computedHash != revision.hash { return "hash of revision \(revision.metadata.id) does not match its data and metadata" }
        }
        let list = entriesHashList(revisionHashes: block.revisions.map(\.hash), transactionInfo: block.transactionInfo,
                                   redactionInfo: block.redactionInfo)
        if list != block.entriesHashList { return "entriesHashList does not match the revisions and transactionInfo" }
        let entriesHash = QLDBHash.merkleRoot(list)
        if entriesHash != block.entriesHash { return "entriesHash is not the Merkle root of entriesHashList" }
        if QLDBHash.dot(entriesHash, previousBlockHash) != block.blockHash { return "blockHash is not dot(entriesHash, previousBlockHash)" }
        return nil
    }

    /// `transactionInfo` of PROTOCOL.md §3.2.
    static func transactionInfo(statements: [BlockProposal.Statement], writes: [BlockProposal.Write]) -> IonValue {
        // Fields built as `IonField`s: no array of name-value pairs to convert (a block's hot path).
        let statementValues: [IonValue] = statements.map { s in
            IonValue(.struct([IonField("statement", .string(s.text)), IonField("startTime", IonRead.timestampValue(ms: s.startTimeMs)),
                              IonField("statementDigest", .blob(s.statementDigest))]))
        }
        let documents: [IonField] = writes.map { w in
            IonField(IonSymbol(w.documentId), IonValue(.struct([IonField("tableName", .string(w.tableName)),
                                                                IonField("tableId", .string(w.tableId)),
                                                                IonField("statements", IonRead.ints(w.statements))])))
        }
        return IonValue(.struct([IonField("statements", .list(statementValues)), IonField("documents", IonValue(.struct(documents)))]))
    }

    static func redactionInfo(_ requests: [RedactionRequest]) -> IonValue? {
        requests.isEmpty ? nil : .struct([("revisions", .list(requests.map(\.ion)))])
    }
}
