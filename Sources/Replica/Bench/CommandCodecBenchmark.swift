import Dispatch
import Foundation
import Ion
import Ledger

/// `tally bench command`: what a node pays to encode and decode a replicated
/// transaction (`NodeCommand.transaction`), the shape `tally bench load`'s
/// insert workload commits (one INSERT of a six-field document: the statement's
/// parameter and the revision's data). A follower decodes every one.
public enum CommandCodecBenchmark {
    public static func run(commands count: Int, runs: Int) throws -> String {
        let commands = (0..<count).map(command)
        let encoded = commands.map { $0.encoded() }
        guard try encoded.map(NodeCommand.decode) == commands else {
            throw NodeCodingError("a command does not decode to itself")
        }
        let bytes = encoded.reduce(0) { $0 + $1.count }
        var lines = ["commands: \(count) (\(bytes / count) bytes each), runs: \(runs)"]
        lines.append(report("encode", count, runs) { _ = commands.map { $0.encoded() } })
        lines.append(try report("decode", count, runs) { _ = try encoded.map(NodeCommand.decode) })
        return lines.joined(separator: "\n")
    }

    static func command(_ i: Int) -> NodeCommand {
        let document = IonValue.struct([
            ("id", .int(1_000_000_000 + i * 1000)), ("name", .string("bench-client-\(i % 64)")), ("amount", .int(i)),
            ("currency", .string("EUR")), ("note", .string("load generator document \(i)")),
            ("flag", .bool(i % 2 == 0)),
        ])
        let proposal = BlockProposal(
            transactionId: "Tx\(String(i, radix: 36))AbCdEfGhIjKlMn", timestampMs: 1_765_000_000_000 + Int64(i),
            statements: [.init(text: "INSERT INTO bench ?", startTimeMs: 1_765_000_000_000 + Int64(i), parameters: [document])],
            writes: [.init(tableId: "TableIdAbCdEfGhIjKl", tableName: "bench", documentId: "Doc\(String(i, radix: 36))XyZ",
                           version: 0, data: document, statements: [0])],
            redactions: [])
        return .transaction(.init(ledgerName: "bench", proposal: proposal,
                                  checkpoint: LedgerCheckpoint(sequenceNo: i, blockHash: [UInt8](repeating: 0xA5, count: 32))))
    }

    /// Median [min–max] µs a command over `runs` passes.
    private static func report(_ name: String, _ count: Int, _ runs: Int, _ body: () throws -> Void) rethrows -> String {
        var perCommand: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            perCommand.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(count))
        }
        perCommand.sort()
        return String(format: "%-20@ median %6.2f µs a command   min %6.2f   max %6.2f", name as NSString,
                      perCommand[perCommand.count / 2], perCommand.first!, perCommand.last!)
    }
}
