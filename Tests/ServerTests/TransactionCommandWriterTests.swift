import Ion
import Ledger
import XCTest
@testable import Replica

/// `NodeCommand.transaction` is written straight from its proposal
/// (`TransactionCommandWriter`); it must hold the very value the generic
/// encoder writes for `command.ion`, and decode back to the command.
final class TransactionCommandWriterTests: XCTestCase {
    private func value(_ rng: inout SeededGenerator, depth: Int = 0) -> IonValue {
        switch Int.random(in: 0..<(depth < 3 ? 9 : 6), using: &rng) {
        case 0: return .string(["", "x", "a longer string value", "é😀"].randomElement(using: &rng)!)
        case 1: return .int(Int.random(in: -1_000_000...1_000_000, using: &rng))
        case 2: return .bool(Bool.random(using: &rng))
        case 3: return .blob((0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case 4: return IonValue(.float(Double.random(in: -1e6...1e6, using: &rng)))
        case 5: return IonValue(.null(.null))
        case 6: return .list((0..<Int.random(in: 0...3, using: &rng)).map { _ in value(&rng, depth: depth + 1) })
        default:
            let names = ["VIN", "Make", "version", "id", "n", "op", "data", "statements", "owner"]
            return .struct((0..<Int.random(in: 0...4, using: &rng)).map { _ in
                (names.randomElement(using: &rng)!, value(&rng, depth: depth + 1))
            })
        }
    }

    private func command(_ rng: inout SeededGenerator) -> NodeCommand {
        let statements = (0..<Int.random(in: 0...3, using: &rng)).map { i in
            BlockProposal.Statement(text: "INSERT INTO T\(i) ?", startTimeMs: Int64.random(in: 0...2_000_000_000_000, using: &rng),
                                    parameters: (0..<Int.random(in: 0...2, using: &rng)).map { _ in value(&rng) })
        }
        let writes = (0..<Int.random(in: 0...4, using: &rng)).map { i in
            BlockProposal.Write(tableId: "T\(i)", tableName: "Table\(i)", documentId: "D\(Int.random(in: 0...999, using: &rng))",
                                version: Int.random(in: 0...9, using: &rng),
                                data: Bool.random(using: &rng) ? value(&rng) : nil,
                                statements: (0..<Int.random(in: 0...2, using: &rng)).map { _ in Int.random(in: 0...2, using: &rng) })
        }
        let redactions = (0..<Int.random(in: 0...2, using: &rng)).map { i in
            RedactionRequest(blockAddress: BlockAddress(strandId: "S", sequenceNo: i + 3), tableId: "T", documentId: "D\(i)",
                             version: i)
        }
        let proposal = BlockProposal(transactionId: "TX\(Int.random(in: 0...99, using: &rng))",
                                     timestampMs: Int64.random(in: 0...2_000_000_000_000, using: &rng),
                                     statements: statements, writes: writes, redactions: redactions)
        let checkpoint = Bool.random(using: &rng)
            ? LedgerCheckpoint(sequenceNo: Int.random(in: 0...1_000_000, using: &rng), blockHash: Array(repeating: 7, count: 32)) : nil
        return .transaction(.init(ledgerName: "ledger-\(Int.random(in: 0...9, using: &rng))", proposal: proposal, checkpoint: checkpoint))
    }

    func testTheWrittenCommandHoldsTheGenericEncodingsValue() throws {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<2_000 {
            let c = command(&rng)
            let written = c.encoded()
            let values = try Ion.read(written)
            XCTAssertEqual(values, [c.ion])
            XCTAssertEqual(values, try Ion.read(Ion.writeBinary([c.ion])))
            XCTAssertEqual(try NodeCommand.decode(written), c)
        }
    }
}
