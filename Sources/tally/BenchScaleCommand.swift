import ArgumentParser
import Foundation
import Ledger
import Replica

/// `tally bench scale`: one phase of scripts/bench-scale (a ledger of N
/// one-document revisions on a FileJournalStore + LMDB state store).
struct BenchScale: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Ledger-size figures: load, open, rebuild, query, scan, audit, catch-up (see scripts/bench-scale).")

    enum Phase: String, ExpressibleByArgument, CaseIterable { case load, open, rebuild, query, scan, audit, catchup }
    enum CatchUpPath: String, ExpressibleByArgument, CaseIterable { case ledger, node }

    @Option(help: "load | open | rebuild | query | scan | audit | catchup.")
    var phase: Phase

    @Option(help: "Revisions to load (one INSERT per block).")
    var revisions: Int = 1_000_000

    @Option(help: "Blocks between syncs while loading.")
    var syncEvery: Int = 10_000

    @Option(help: "Blocks per state-store write transaction while loading or catching up (1 = one per block).")
    var batch: Int = 1

    @Option(help: "Blocks to catch up (default: all of the loaded ledger).")
    var blocks: Int?

    @Option(help: "catchup through Ledger.appendReplicated alone (ledger) or the node's NodeStateMachine catch-up chunks (node).")
    var path: CatchUpPath = .ledger

    @Option(help: "Samples per query percentile.")
    var samples: Int = 20_000

    @Option(help: "Scratch directory (journal/ and state/ inside).")
    var dir: String

    func run() throws {
        switch phase {
        case .load:
            print(try ScaleBenchmark.load(count: revisions, directory: dir, syncEvery: syncEvery, batch: batch) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            })
        case .open: print(try ScaleBenchmark.reopen(directory: dir))
        case .rebuild: print(try ScaleBenchmark.reopen(directory: dir, rebuild: true))
        case .query: print(try ScaleBenchmark.query(directory: dir, samples: samples))
        case .scan: print(try ScaleBenchmark.scan(directory: dir))
        case .audit: print(try ScaleBenchmark.audit(directory: dir))
        case .catchup where path == .node:
            let (store, source) = try ScaleBenchmark.open(dir)
            defer { source.close(); store.close() }
            print(try NodeCatchUpBenchmark.run(source: source, blocks: blocks, directory: dir + "/catchup-node"))
        case .catchup:
            print(try ScaleBenchmark.catchUp(directory: dir, blocks: blocks, syncEvery: syncEvery, batch: batch))
        }
    }
}
