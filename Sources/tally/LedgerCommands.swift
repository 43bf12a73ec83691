import ArgumentParser
import Ledger
import Replica

/// `tally ledger-demo`: builds a ledger from seeded random transactions
/// (inserts, updates, deletes, redactions) and exports its journal.
struct LedgerDemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger-demo",
        abstract: "Write a seeded demo ledger's journal export (QLDB S3 layout) to a directory.")

    @Option(help: "Number of transactions (blocks).")
    var blocks: Int = 60

    @Option(help: "Random seed; the same seed gives the same journal contents.")
    var seed: UInt64 = 1

    @Option(help: "Directory to write the export into.")
    var out: String

    func run() throws {
        print(try LedgerDemo.run(blocks: blocks, seed: seed, directory: out))
    }
}

/// `tally verify-export DIR`: re-checks an exported journal's hash chain and
/// digest from the files alone.
struct VerifyExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-export",
        abstract: "Verify the hash chain and digest of a journal export from its files alone.")

    @Argument(help: "The export directory.")
    var directory: String

    func run() throws {
        print(try JournalExport.verify(directory: directory))
    }
}

/// `tally bench command`: a replicated transaction's encode and decode (see CommandCodecBenchmark).
struct BenchCommandCodec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "command",
        abstract: "Encode and decode time of a replicated transaction (the insert workload's).")

    @Option(help: "Commands per run.")
    var commands: Int = 50_000

    @Option(help: "Runs; medians and spreads are reported.")
    var runs: Int = 7

    func run() throws {
        print(try CommandCodecBenchmark.run(commands: commands, runs: runs))
    }
}

struct BenchLedger: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Apply throughput, proof time and chain re-verification speed (see scripts/bench-ledger).")

    @Option(help: "Blocks to apply (one ~1 KB document each).")
    var blocks: Int = 20_000

    @Option(help: "Journal size at which to time audit paths.")
    var proofLeaves: Int = 1_000_000

    @Option(help: "Scratch directory for the journal files.")
    var dir: String

    func run() throws {
        print(try LedgerBenchmark.run(blocks: blocks, proofLeaves: proofLeaves, directory: dir))
    }
}
