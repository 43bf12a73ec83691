import Foundation
import Ion
import Ledger

/// `tally bench scale --phase catchup --path node`: catch-up of an empty node
/// through the node's own code. A manifest for one ledger holding `source`'s
/// first `blocks` blocks; a `NodeStateMachine` in `directory` (emptied first)
/// runs `beginCatchUp`, then `applyCatchUpChunk` on each chunk the leader's
/// encoder (`CatchUpManifest.chunk`) builds from `source`'s journal, then
/// `finishCatchUp` (which syncs) — what `RaftDriver` does, without the
/// network. Building the chunks (the leader's share) is timed apart.
public enum NodeCatchUpBenchmark {
    public static func run(source: Ledger, blocks: Int? = nil, directory: String) throws -> String {
        let count = min(blocks ?? source.blockCount, source.blockCount)
        precondition(count > 0, "nothing to catch up")
        try? FileManager.default.removeItem(atPath: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var info = LedgerInfo(create: .init(name: "bench", ledgerId: "BenchCatchUpLedger0001", strandId: source.strandId,
                                            permissionsMode: "STANDARD", deletionProtection: false, kmsKey: nil, tags: [],
                                            creationTimeMs: 1_700_000_000_000))
        info.state = .active
        guard case .struct(var fields) = info.ion.content else { preconditionFailure("LedgerInfo.ion is a struct") }
        fields.append(IonField("blocks", .int(count)))
        fields.append(IonField("lastBlockHash", .blob(source.blockHash(sequenceNo: count - 1)!)))
        let bytes = Ion.writeBinary([.struct([
            ("formatVersion", .int(1)), ("appliedIndex", .int(1)), ("ledgers", .list([IonValue(.struct(fields))])),
            ("exports", .list([])), ("streams", .list([])),
        ])])
        let manifest = try CatchUpManifest(bytes)
        let follower = try NodeStateMachine(options: LedgerRegistry.Options(dataDirectory: directory))
        defer { follower.close() }

        var chunks = 0, chunkBytes = 0
        var leaderNs: UInt64 = 0
        var leaderCpu = 0.0, leaderCpuOnThisThread = 0.0
        let cpu0 = ProcessMemory.cpuSeconds()
        let thread0 = ProcessMemory.threadCPUSeconds()
        let start = LedgerTime.monotonicNanoseconds()
        var cursor = try follower.beginCatchUp(manifest: bytes)
        while let c = cursor {
            let (t0, c0, h0) = (LedgerTime.monotonicNanoseconds(), ProcessMemory.cpuSeconds(), ProcessMemory.threadCPUSeconds())
            let (data, next) = try manifest.chunk(at: CatchUpManifest.parseCursor(c, count: 1)) { _ in source }
            leaderNs += LedgerTime.monotonicNanoseconds() - t0
            leaderCpu += ProcessMemory.cpuSeconds() - c0
            leaderCpuOnThisThread += ProcessMemory.threadCPUSeconds() - h0
            try follower.applyCatchUpChunk(data)
            chunks += 1
            chunkBytes += data.count
            cursor = next
        }
        try follower.finishCatchUp(index: 1)
        let seconds = Double(LedgerTime.monotonicNanoseconds() - start) / 1e9
        let cpu = ProcessMemory.cpuSeconds() - cpu0
        let applyingThread = ProcessMemory.threadCPUSeconds() - thread0 - leaderCpuOnThisThread
        let applySeconds = seconds - Double(leaderNs) / 1e9
        precondition(follower.ledger(named: "bench")?.blockHash(sequenceNo: count - 1) == source.blockHash(sequenceNo: count - 1),
                     "caught-up ledger ends in another hash")
        return [
            "catch-up: \(count) blocks in \(String(format: "%.3f", seconds)) s = \(Int(Double(count) / seconds)) blocks/s; "
                + "without building the chunks: \(Int(Double(count) / applySeconds)) blocks/s "
                + "(node path: NodeStateMachine.applyCatchUpChunk, \(chunks) chunks of \(chunkBytes / max(chunks, 1) / 1024) KiB on average, one sync at finishCatchUp)",
            String(format: "catch-up CPU: %.1f s (%.0f µs per block)", cpu, cpu / Double(count) * 1e6),
            String(format: "catch-up follower CPU (without building the chunks): %.1f s (%.1f µs per block)",
                   cpu - leaderCpu, (cpu - leaderCpu) / Double(count) * 1e6),
            String(format: "of which the applying thread (the critical path; the rest is the hash checker's): %.1f µs per block",
                   applyingThread / Double(count) * 1e6),
        ].joined(separator: "\n")
    }
}
