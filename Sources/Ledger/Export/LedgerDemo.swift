import Ion

/// A deterministic demo ledger for cross-checks by independent tools
/// (Tests/python/test_ledger_export_crosscheck.py via `tally ledger-demo`):
/// runs `blocks` seeded transactions (DDL, inserts, updates, deletes, an
/// index, redactions), then writes to `directory`:
/// - the journal export (QLDB S3 layout, ION_TEXT; see JournalExport);
/// - `digest.ion`: `{digest: blob, digestTipAddress: {strandId, sequenceNo}}`;
/// - `proofs.ion`: one struct per proof, `{kind: "block"|"revision", blockAddress,
///   documentId?, hash, tip, digest, proof: [blob…]}`, for every block and revision
///   against the final tip and against one earlier tip.
public enum LedgerDemo {
    @discardableResult
    public static func run(blocks: Int, seed: UInt64, directory: String) throws -> String {
        var rng = SeededGenerator(seed: seed)
        var clockMs: Int64 = 1_700_000_000_000
        let ledger = try Ledger.open(store: MemoryJournalStore(),
                                     options: Ledger.Options(ids: IDGenerator(SeededGenerator(seed: seed ^ 0x5eed)), clock: { clockMs }))
        func random(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        var made = 0
        while ledger.blockCount < blocks {
            clockMs += Int64(random(400_000))  // crosses UTC hours: several export files
            let tx = ledger.begin()
            let tables = tx.activeTables().map(\.name)
            if tables.count < 3 && (tables.isEmpty || random(10) == 0) {
                made += 1
                try tx.recordStatement(text: "CREATE TABLE T\(made)", parameters: [])
                _ = try tx.createTable(name: "T\(made)", tags: [])
                _ = try tx.createIndex(table: "T\(made)", field: "k")
            } else if random(8) == 0, let target = redactable(ledger, pick: random(1000)) {
                try tx.recordStatement(text: "EXEC REDACT_REVISION ?, ?, ?",
                                       parameters: [target.blockAddress.ion, .string(target.tableId), .string(target.documentId)])
                _ = try tx.redactRevision(blockAddress: target.blockAddress.ion, tableID: target.tableId, documentID: target.documentId)
            } else {
                let table = tables[random(tables.count)]
                for _ in 0..<(1 + random(3)) {
                    let docs = try tx.scan(table: table)
                    let value: IonValue = .struct([("k", .int(random(4))), ("name", .string("n\(random(100))")),
                                                   ("amount", try Ion.read("\(random(100000)).\(random(100))")[0]),
                                                   ("when", IonRead.timestampValue(ms: clockMs))])
                    let op = random(10)
                    if docs.isEmpty || op < 4 {
                        try tx.recordStatement(text: "INSERT INTO \(table) ?", parameters: [value])
                        _ = try tx.insert(table: table, document: value)
                    } else if op < 9 {
                        let id = docs[random(docs.count)].id
                        try tx.recordStatement(text: "UPDATE \(table) AS t BY id SET t = ? WHERE id = ?", parameters: [value, .string(id)])
                        try tx.update(table: table, id: id, document: value)
                    } else {
                        let id = docs[random(docs.count)].id
                        try tx.recordStatement(text: "DELETE FROM \(table) BY id WHERE id = ?", parameters: [.string(id)])
                        try tx.delete(table: table, id: id)
                    }
                }
            }
            try ledger.commit(tx)
        }

        try JournalExport.write(ledger, ledgerName: "demo", to: directory, exportId: ledger.ids.next(), blocksPerFile: 16)
        let (digest, tip) = try ledger.digest()
        let digestValue: IonValue = .struct([("digest", .blob(digest)), ("digestTipAddress", tip.ion)])
        try JournalExport.write(Array(Ion.writeText([digestValue]).utf8), to: "\(directory)/digest.ion")

        var proofs: [IonValue] = []
        for seq in 0..<ledger.blockCount {
            let address = BlockAddress(strandId: ledger.strandId, sequenceNo: seq)
            let block = try ledger.block(at: address)
            let earlier = BlockAddress(strandId: ledger.strandId, sequenceNo: seq + random(ledger.blockCount - seq))
            for t in [tip, earlier] {
                let d = try ledger.digest(at: t)
                proofs.append(entry("block", address, nil, block.blockHash, t, d, try ledger.blockProof(blockAddress: address, tip: t)))
                for revision in block.revisions {
                    let proof = try ledger.revisionProof(blockAddress: address, documentId: revision.metadata.id, tip: t)
                    proofs.append(entry("revision", address, revision.metadata.id, revision.hash, t, d, proof))
                }
            }
        }
        try JournalExport.write(Array((proofs.map { Ion.writeText([$0]) }.joined(separator: "\n") + "\n").utf8),
                                to: "\(directory)/proofs.ion")
        return "ledger \(ledger.strandId): \(ledger.blockCount) blocks, digest \(Base64.encode(digest)) at \(tip), \(proofs.count) proofs"
    }

    static func entry(_ kind: String, _ address: BlockAddress, _ documentId: String?, _ hash: [UInt8], _ tip: BlockAddress,
                      _ digest: [UInt8], _ proof: [[UInt8]]) -> IonValue {
        var fields: [(String, IonValue)] = [("kind", .string(kind)), ("blockAddress", address.ion)]
        if let documentId { fields.append(("documentId", .string(documentId))) }
        fields += [("hash", .blob(hash)), ("tip", tip.ion), ("digest", .blob(digest)), ("proof", .list(proof.map { .blob($0) }))]
        return .struct(fields)
    }

    static func redactable(_ ledger: Ledger, pick: Int) -> RedactionRequest? {
        var candidates: [RedactionRequest] = []
        for tableId in ledger.state.tableOrder {
            for id in ledger.state.documentIds(inTable: tableId) {
                for revision in ledger.state.revisions(of: id).dropLast() where revision.data != nil {
                    candidates.append(RedactionRequest(blockAddress: revision.blockAddress, tableId: tableId, documentId: id,
                                                       version: revision.metadata.version))
                }
            }
        }
        return candidates.isEmpty ? nil : candidates[pick % candidates.count]
    }
}
