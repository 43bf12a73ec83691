import Ion
import Ledger
import Logging

/// `tally ledger import` through the replicated log: a ledger created with
/// `importing` stays CREATING (serving nothing) while `importBlocks` commands
/// append the export's blocks — each node decoding and re-verifying every
/// block itself (`Ledger.appendImported`) — and `finishImport` checks every
/// node's digest before the ledger goes ACTIVE. A refused command leaves the
/// ledger CREATING; the importer then deletes it.
extension NodeStateMachine {
    func applyImport(_ command: NodeCommand) -> ApplyResult {
        switch command {
        case .importBlocks(let i): return importBlocks(i)
        case .finishImport(let f): return finishImport(f)
        default: preconditionFailure("not an import command")
        }
    }

    private func importing(_ name: String, _ ledgerId: String) -> (LedgerRegistry.Entry, Ledger)? {
        guard let e = registry.entry(named: name), e.info.ledgerId == ledgerId, e.info.state == .creating, e.info.importing,
              let ledger = e.ledger else { return nil }
        return (e, ledger)
    }

    private func importBlocks(_ i: NodeCommand.ImportBlocks) -> ApplyResult {
        guard let (entry, ledger) = importing(i.ledgerName, i.ledgerId) else {
            return .rejected(.preconditionNotMet("Ledger \(i.ledgerName) is not being imported"))
        }
        guard i.firstSequenceNo <= ledger.blockCount else {
            return .rejected(.invalidParameter("imported blocks start at \(i.firstSequenceNo); ledger \(i.ledgerName) has \(ledger.blockCount)"))
        }
        // One state-store write transaction for the chunk (the ledger serves nothing meanwhile),
        // committed whatever the outcome: a refused block touched no state.
        do { try ledger.beginBatch() } catch { return storageFailed(i.ledgerName, error) }
        let result = append(i, entry, ledger)
        do { try ledger.flushBatch() } catch { return storageFailed(i.ledgerName, error) }
        return result
    }

    private func append(_ i: NodeCommand.ImportBlocks, _ entry: LedgerRegistry.Entry, _ ledger: Ledger) -> ApplyResult {
        for (offset, bytes) in i.blocks.enumerated() {
            let seq = i.firstSequenceNo + offset
            let block: Block
            do {
                block = try Block(ion: BlockCodec.decode(bytes))
            } catch {
                return .rejected(.invalidParameter("imported block \(seq) does not decode: \(error)"))
            }
            if seq < ledger.blockCount {
                // Replayed after a restart: the journal holds it already.
                guard ledger.blockHash(sequenceNo: seq) == block.blockHash else {
                    return .rejected(.invalidParameter("imported block \(seq) differs from the block \(seq) already imported"))
                }
                continue
            }
            do {
                try ledger.appendImported(block)
            } catch LedgerError.replicatedBlockRefused(let seq, let reason) {
                return .rejected(.invalidParameter("block \(seq): \(reason)"))
            } catch {
                return storageFailed(i.ledgerName, error)
            }
            entry.recentHashes.record(seq, block.blockHash)
            touched.insert(i.ledgerName)
        }
        if let tail = entry.replayTail {
            let next = i.firstSequenceNo + i.blocks.count
            entry.replayTail = next < tail.upperBound ? max(next, tail.lowerBound)..<tail.upperBound : nil
        }
        return .applied(reply: [])
    }

    private func storageFailed(_ name: String, _ error: Error) -> ApplyResult {
        storageFailure = "ledger \(name): \(error)"
        ReplicaLog.storage.critical("journal or state write failed during an import; this node refuses writes", metadata: [
            "ledger": "\(name)", "error": "\(error)"])
        return .rejected(.storageFailed("journal write failed: \(error)"))
    }

    private func finishImport(_ f: NodeCommand.FinishImport) -> ApplyResult {
        if let e = registry.entry(named: f.ledgerName), e.info.ledgerId == f.ledgerId, e.info.state == .active, !e.info.importing,
           let ledger = e.ledger, f.tipSequenceNo < ledger.blockCount,
           (try? ledger.digest(at: BlockAddress(strandId: ledger.strandId, sequenceNo: f.tipSequenceNo))) == f.digest {
            return .applied(reply: [])  // finished already: a retried call
        }
        guard let (entry, ledger) = importing(f.ledgerName, f.ledgerId) else {
            return .rejected(.preconditionNotMet("Ledger \(f.ledgerName) is not being imported"))
        }
        guard ledger.blockCount == f.tipSequenceNo + 1, let tip = ledger.tip else {
            return .rejected(.preconditionNotMet("ledger \(f.ledgerName) holds \(ledger.blockCount) imported blocks, the import ends at block \(f.tipSequenceNo)"))
        }
        let digest: [UInt8]
        do { digest = try ledger.digest(at: tip) } catch {
            return .rejected(.preconditionNotMet("no digest: \(error)"))
        }
        guard digest == f.digest else {
            return .rejected(.preconditionNotMet("the digest at block \(f.tipSequenceNo) is \(Base64.encode(digest)) on this node, "
                + "the import expects \(Base64.encode(f.digest))"))
        }
        entry.info.importing = false
        entry.info.state = .active
        entry.replayTail = nil
        return .applied(reply: [])
    }
}
