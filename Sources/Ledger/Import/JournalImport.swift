import Foundation
import Ion

/// Reads a QLDB journal export (ION_TEXT or ION_BINARY) and verifies every
/// block as it is read, with QLDB's own block rule (`BlockHasher.checkForeign`):
/// each user revision's hash from its data and metadata, H(transactionInfo)
/// and the revisions' Merkle root among `entriesHashList`, `entriesHash`,
/// `blockHash`, the chain from block 0 (whose `previousBlockHash` is taken as
/// written), and — when the user kept one — the digest at its tip. The first
/// mismatch throws an `ImportError` naming the block and what differed.
public enum JournalImport {
    /// A digest saved from QLDB (GetDigest) or Tally, and its tip.
    public struct ExpectedDigest: Sendable {
        public var digest: [UInt8]
        public var tip: BlockAddress
        public init(digest: [UInt8], tip: BlockAddress) {
            self.digest = digest
            self.tip = tip
        }
    }

    public struct Report: Sendable, CustomStringConvertible {
        public var strandId: String
        public var blocks: Int
        public var tip: BlockAddress
        /// The digest recomputed at the last block.
        public var digest: [UInt8]
        /// The tip of the saved digest that was given and matched, if one was.
        public var savedTip: BlockAddress?
        public var digestChecked: Bool { savedTip != nil }
        public var description: String {
            var text = "verified \(blocks) blocks of strand \(strandId); tip \(tip); digest \(Base64.encode(digest))"
            guard let savedTip else { return text + " (no saved digest given)" }
            if savedTip == tip { return text + " (equal to the saved digest)" }
            text += "; the digest at block \(savedTip.sequenceNo) is equal to the saved digest"
            return text + " (blocks \(savedTip.sequenceNo + 1)-\(tip.sequenceNo) are covered by no saved digest)"
        }
    }

    /// Verifies the export in `directory` and hands each verified block, in
    /// order, to `body` (marked `isForeign`). Nothing is passed on for a block
    /// that does not verify; the caller undoes what `body` did on a throw.
    @discardableResult
    public static func scan(directory: String, expected: ExpectedDigest? = nil,
                            body: (Block) throws -> Void = { _ in }) throws -> Report {
        let layout = try ExportLayout(directory: directory)
        if layout.isJSON { throw ImportError(block: nil, try JSONExportCheck.verify(directory: directory, layout: layout, expected: expected)) }
        if let expected, expected.tip.strandId != layout.strandId {
            throw ImportError(block: nil, "the saved digest's tip is on strand \(expected.tip.strandId), the export's strand is \(layout.strandId)")
        }
        var accumulator = MerkleAccumulator()
        var previous: Block?
        var digestAtTip: [UInt8]?
        for object in layout.objects {
            let values: [IonValue]
            do {
                values = try Ion.read(JournalExport.read("\(directory)/\(object.key)"))
            } catch {
                throw ImportError(block: object.first, "data object \(object.key) (blocks \(object.first)-\(object.last)) does not parse: \(error)")
            }
            guard values.count == object.last - object.first + 1 else {
                throw ImportError(block: object.first, "data object \(object.key) holds \(values.count) blocks, its name says \(object.last - object.first + 1)")
            }
            for (offset, value) in values.enumerated() {
                let seq = object.first + offset
                var block: Block
                do { block = try Block(ion: value) } catch {
                    throw ImportError(block: seq, "in \(object.key): \(error)")
                }
                block.isForeign = true
                try check(block, sequenceNo: seq, strandId: layout.strandId, after: previous, in: object.key)
                accumulator.append(block.blockHash)
                if let expected, expected.tip.sequenceNo == seq {
                    digestAtTip = accumulator.root(size: accumulator.count)
                    if digestAtTip != expected.digest {
                        throw ImportError(block: seq, "the digest recomputed at this block is \(Base64.encode(digestAtTip!)), "
                            + "the saved digest is \(Base64.encode(expected.digest))")
                    }
                }
                do { try body(block) } catch let e as ImportError { throw e } catch {
                    throw ImportError(block: seq, "in \(object.key): \(error)")
                }
                previous = block
            }
        }
        let tip = previous!.address
        if let expected, digestAtTip == nil {
            throw ImportError(block: nil, "the saved digest's tip is block \(expected.tip.sequenceNo); the export ends at block \(tip.sequenceNo)")
        }
        return Report(strandId: layout.strandId, blocks: accumulator.count, tip: tip,
                      digest: accumulator.root(size: accumulator.count), savedTip: expected?.tip)
    }

    static func check(_ block: Block, sequenceNo seq: Int, strandId: String, after previous: Block?, in key: String) throws {
        guard block.address == BlockAddress(strandId: strandId, sequenceNo: seq) else {
            throw ImportError(block: seq, "in \(key): the object holds block \(block.address) where block \(seq) of strand \(strandId) belongs")
        }
        if let previous, block.timestampMs < previous.timestampMs {
            throw ImportError(block: seq, "in \(key): blockTimestamp goes backwards")
        }
        if let problem = BlockHasher.check(block, previousBlockHash: previous?.blockHash ?? block.previousBlockHash) {
            throw ImportError(block: seq, "in \(key): \(problem)")
        }
    }
}
