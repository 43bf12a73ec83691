import Foundation

/// The half of `Ledger.admit` that needs no state: decoding a journal record
/// and recomputing every hash of its block, chained to the block before. It
/// runs ahead of the apply step on another thread (`Ledger+Pipeline`).
enum RecordChecker {
    /// Records decoded and hash-checked, in order, up to the first that failed.
    struct Checked {
        var blocks: [Block] = []
        /// Why the record after the last of `blocks` was refused; the records after it are not checked.
        var refused: Ledger.BlockRefused?
    }

    /// Decodes `records` as blocks `first`, `first + 1`, … of `strandId` and
    /// checks each with `BlockHasher.check`, chained to `previousHash` (the
    /// hash of block `first - 1` as this ledger holds or has checked it) and
    /// then to each checked block's own hash: exactly the previous hash
    /// `admit` would read from the state once the blocks before are applied.
    static func check(_ records: ArraySlice<[UInt8]>, first: Int, strandId: String,
                      previousHash: [UInt8]) -> Checked {
        var checked = Checked()
        checked.blocks.reserveCapacity(records.count)
        var previous = previousHash
        for (offset, bytes) in records.enumerated() {
            let index = first + offset
            var block: Block
            do {
                block = try Block(ion: BlockCodec.decode(bytes))
            } catch {
                checked.refused = Ledger.BlockRefused(sequenceNo: index, reason: "record does not decode (\(error))")
                return checked
            }
            guard block.address == BlockAddress(strandId: strandId, sequenceNo: index) else {
                checked.refused = Ledger.BlockRefused(sequenceNo: index, reason: "record holds block \(block.address)")
                return checked
            }
            // As in `admit`: an imported first block chains from its own previousBlockHash.
            let chained = index == 0 && block.isForeign ? block.previousBlockHash : previous
            if let problem = BlockHasher.check(block, previousBlockHash: chained) {
                checked.refused = Ledger.BlockRefused(sequenceNo: index, reason: problem)
                return checked
            }
            previous = block.blockHash
            // A block whose documents do not parse gets none: its apply reports why.
            if let owners = try? block.documentTables() {
                block.applyAids = BlockApplyAids(owners: owners, encodedData: block.revisions.map { $0.data.map(BlockCodec.encode) })
            }
            checked.blocks.append(block)
        }
        return checked
    }
}

/// The parts of a block's apply that need no state, derived by `RecordChecker`
/// on the worker so the applying thread does not repeat them.
struct BlockApplyAids: Sendable {
    /// `Block.documentTables()`.
    var owners: [String: (tableId: String, tableName: String)]
    /// `BlockCodec.encode` of each revision's data, in the order of `revisions`
    /// (an inner nil: no data; an outer nil: not known, the apply encodes it).
    var encodedData: [[UInt8]??]
}

extension BlockApplyAids {
    init(owners: [String: (tableId: String, tableName: String)], encodedData: [[UInt8]?]) {
        self.init(owners: owners, encodedData: encodedData.map { .some($0) })
    }

    /// For the block sealed from `proposal` (its revisions are its writes, in
    /// order; `transactionInfo.documents` lists each write's table), with the
    /// encodings the preparing transaction made (the leader's; none elsewhere).
    init(_ proposal: BlockProposal, encodings: [String: [UInt8]]) {
        var owners: [String: (tableId: String, tableName: String)] = [:]
        owners.reserveCapacity(proposal.writes.count)
        var encodedData: [[UInt8]??] = []
        encodedData.reserveCapacity(proposal.writes.count)
        for w in proposal.writes {
            owners[w.documentId] = (w.tableId, w.tableName)
            encodedData.append(w.data == nil ? .some(nil) : encodings[w.documentId].map { .some($0) })
        }
        self.init(owners: owners, encodedData: encodedData)
    }
}
