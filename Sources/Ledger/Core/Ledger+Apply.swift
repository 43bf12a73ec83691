import Ion

extension Ledger {
    /// Leader side: validates a transaction's read set against the latest
    /// applied state and the proposals already prepared, then turns its write
    /// set into a proposal (no hashes). Nil for a transaction that wrote nothing.
    /// Throws `OccConflict`, `TransactionClosed` or `LimitExceeded`.
    public func prepare(_ tx: LedgerTransaction) throws -> BlockProposal? {
        try tx.checkOpen()
        if let conflict = tx.readSet.conflict(in: state, pending: pending) {
            tx.status = .aborted
            throw OccConflict(transactionId: tx.transactionID, reason: conflict)
        }
        var writes: [BlockProposal.Write] = []
        var summary = PendingWrites()
        for id in tx.tableOrder {
            guard let def = tx.tableChanges[id] else { continue }
            let version = (state.table(id)?.catalogVersion ?? -1) + 1
            writes.append(.init(tableId: Ledger.catalogTableId, tableName: Ledger.catalogTableName, documentId: id,
                                version: version, data: def.row, statements: def.statements))
            summary.catalogIds.insert(id)
            summary.tableNames.insert(def.name)
            if let old = state.table(id) { summary.tableNames.insert(old.name) }
        }
        for id in tx.writeOrder {
            guard let w = tx.writes[id] else { continue }
            let version = (state.document(id)?.version ?? -1) + 1
            writes.append(.init(tableId: w.tableId, tableName: w.tableName, documentId: id, version: version,
                                data: w.data, statements: w.statements))
            summary.documentIds.insert(id)
            summary.tableIds.insert(w.tableId)
            if let encoded = w.encoded { summary.encodings[id] = encoded }
        }
        summary.redactions = Set(tx.redactions)
        tx.status = .committed
        if writes.isEmpty && tx.redactions.isEmpty { return nil }
        let timestamp = max(clock(), state.lastTimestampMs, pending.latestTimestampMs)
        summary.timestampMs = timestamp
        summary.generation = pendingGeneration
        pending.insert(summary, for: tx.transactionID)
        return BlockProposal(transactionId: tx.transactionID, timestampMs: timestamp, statements: tx.statements,
                             writes: writes, redactions: tx.redactions)
    }

    /// Every node: computes all hashes of the proposal's block itself, appends
    /// it to the journal store, advances the digest and updates state and
    /// indexes. Throws `LedgerError.invalidProposal` — deterministically on
    /// every node, leaving everything unchanged — if it cannot apply.
    @discardableResult
    public func apply(_ proposal: BlockProposal) throws -> Block {
        let prepared = pending.remove(proposal.transactionId)
        if let damage {
            throw LedgerError.stateStoreFailed(sequenceNo: state.blockCount, reason: damage)
        }
        if let problem = validate(proposal) {
            throw LedgerError.invalidProposal(transactionId: proposal.transactionId, reason: problem)
        }
        let address = BlockAddress(strandId: strandId, sequenceNo: state.blockCount)
        let timestamp = max(proposal.timestampMs, state.lastTimestampMs)
        let revisions = proposal.writes.map { w in
            BlockHasher.RevisionContent(
                metadata: RevisionMetadata(id: w.documentId, version: w.version, txTimeMs: timestamp, txId: proposal.transactionId),
                data: w.data, dataHash: nil)
        }
        let block = BlockHasher.seal(
            address: address, transactionId: proposal.transactionId, timestampMs: timestamp,
            previousBlockHash: expectedPreviousHash(),
            transactionInfo: BlockHasher.transactionInfo(statements: proposal.statements, writes: proposal.writes),
            redactionInfo: BlockHasher.redactionInfo(proposal.redactions), revisions: revisions)
        if let behind = journalBehind {
            behind.submit(block)   // appended before the batch's state commit (`flushBatch`)
        } else {
            let index = try store.append(BlockCodec.record(block))
            guard index == address.sequenceNo else { throw LedgerError.storeMismatch(expected: address.sequenceNo, got: index) }
        }
        do {
            var block = block
            block.applyAids = BlockApplyAids(proposal, encodings: prepared?.encodings ?? [:])
            try stateStore.apply(block)
        } catch {
            // validate() admits only proposals that apply, so this is the disk
            // (a full disk, EIO): the block is in the journal, not in the store.
            damage = "block \(address.sequenceNo) not recorded in the state store: \(error)"
            throw LedgerError.stateStoreFailed(sequenceNo: address.sequenceNo, reason: "\(error)")
        }
        eraseRedacted(by: block)
        return block
    }

    /// Erases from the journal the data of the revisions `block` redacts.
    func eraseRedacted(by block: Block) {
        guard let requests = try? block.redactions(), !requests.isEmpty else { return }
        for request in requests {
            do {
                try erase(request)
            } catch {
                unerasedRedactions += 1
            }
        }
    }

    /// Why the proposal cannot apply to the current state, or nil.
    func validate(_ p: BlockProposal) -> String? {
        var seen = Set<String>()
        var tableActive: [String: Bool] = [:]
        for w in p.writes {
            guard seen.insert(w.documentId).inserted else { return "document \(w.documentId) written twice" }
            guard w.statements.allSatisfy({ $0 >= 0 && $0 < p.statements.count }) else { return "statement index out of range" }
            if w.tableId == Ledger.catalogTableId {
                guard let data = w.data, let row = try? TableState.parseRow(data), row.id == w.documentId else {
                    return "malformed catalog row for table \(w.documentId)"
                }
                guard w.version == (state.table(row.id)?.catalogVersion ?? -1) + 1 else {
                    return "catalog version \(w.version) of table \(row.id) is stale"
                }
                if row.active, let other = state.activeTable(named: row.name), other.id != row.id, tableActive[other.id] != false {
                    return "an active table named \(row.name) already exists"
                }
                tableActive[row.id] = row.active
                continue
            }
            guard tableActive[w.tableId] ?? state.table(w.tableId)?.active ?? false else {
                return "table \(w.tableId) is not active"
            }
            if let doc = state.document(w.documentId) {
                guard doc.tableId == w.tableId, doc.current != nil, w.version == doc.version + 1 else {
                    return "version \(w.version) of document \(w.documentId) does not follow \(doc.version)"
                }
            } else if w.version != 0 || w.data == nil {
                return "document \(w.documentId) does not exist"
            }
        }
        var targets = Set<RedactionRequest>()
        for r in p.redactions {
            guard r.blockAddress.strandId == strandId, state.redactionTarget(r) != nil, targets.insert(r).inserted else {
                return "revision \(r.version) of document \(r.documentId) cannot be redacted"
            }
        }
        return nil
    }

    /// Single-node convenience: prepare and apply at once.
    @discardableResult
    public func commit(_ tx: LedgerTransaction) throws -> Block? {
        guard let proposal = try prepare(tx) else { return nil }
        return try apply(proposal)
    }
}
