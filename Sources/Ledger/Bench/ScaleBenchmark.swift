import Foundation
import Ion
import PartiQL

/// The phases of `scripts/bench-scale` (`tally bench scale <phase>`): a
/// ledger of N one-document revisions (one insert per block) on a
/// `FileJournalStore` with the LMDB state store, in `directory/journal` and
/// `directory/state`. Each phase is meant to run in a process of its own, so
/// that its anonymous RSS is its own.
public enum ScaleBenchmark {
    public static let table = "Scale"

    static func journalDirectory(_ d: String) -> String { d + "/journal" }

    static func requireLoaded(_ directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: journalDirectory(directory), isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw ScaleBenchmarkError("no loaded ledger in \(directory) (no journal/ inside): run "
                + "`tally bench scale --phase load --dir \(directory)` first")
        }
    }
    static func stateDirectory(_ d: String) -> String { d + "/state" }

    /// Opens the ledger a `load` left in `directory`; every phase but `load` refuses a directory
    /// without one (instead of creating an empty ledger there and measuring nothing).
    public static func open(_ directory: String, creating: Bool = false) throws -> (FileJournalStore, Ledger) {
        if !creating { try requireLoaded(directory) }
        let store = try FileJournalStore.open(directory: journalDirectory(directory))
        do {
            let ledger = try Ledger.open(store: store, options: Ledger.Options(stateDirectory: stateDirectory(directory)))
            return (store, ledger)
        } catch {
            store.close()
            throw error
        }
    }

    static func document(_ i: Int) -> IonValue {
        .struct([("k", .string("k\(i)")), ("n", .int(i)), ("pad", .string("0123456789abcdef0123456789abcdef"))])
    }

    /// Loads `count` revisions (one INSERT per transaction and block), syncing
    /// every `syncEvery` blocks; with `batch` > 1 the state store commits once
    /// per `batch` blocks (`Ledger.beginBatch`).
    public static func load(count: Int, directory: String, syncEvery: Int = 10_000, batch: Int = 1,
                            progress: (String) -> Void = { _ in }) throws -> String {
        try? FileManager.default.removeItem(atPath: directory)
        let (store, ledger) = try open(directory, creating: true)
        defer { ledger.close(); store.close() }
        let setup = ledger.begin()
        _ = try setup.createTable(name: table, tags: [])
        _ = try setup.createIndex(table: table, field: "k")
        try ledger.commit(setup)
        let start = LedgerTime.monotonicNanoseconds()
        let threadStart = ProcessMemory.threadCPUSeconds()
        var last = start
        for i in 0..<count {
            if batch > 1 && i % batch == 0 {
                try ledger.flushBatch()
                try ledger.beginBatch()
            }
            let tx = ledger.begin()
            try tx.recordStatement(text: "INSERT INTO \(table) ?", parameters: [])
            _ = try tx.insert(table: table, document: document(i))
            try ledger.commit(tx)
            if (i + 1) % syncEvery == 0 {
                try ledger.sync()
                let now = LedgerTime.monotonicNanoseconds()
                if now - last > 10_000_000_000 {
                    last = now
                    let rate = Double(i + 1) / (Double(now - start) / 1e9)
                    progress("loaded \(i + 1) revisions, \(Int(rate))/s, RssAnon \(ProcessMemory.anonymousMB()) MB")
                }
            }
        }
        try ledger.sync()
        let seconds = Double(LedgerTime.monotonicNanoseconds() - start) / 1e9
        let cpu = ProcessMemory.cpuSeconds()
        let thread = ProcessMemory.threadCPUSeconds() - threadStart
        return [
            String(format: "load CPU: %.1f s (%.0f µs per revision; the rest of the wall time is waiting for a core or the disk)",
                   cpu, cpu / Double(count) * 1e6),
            String(format: "loading thread CPU: %.1f s (%.1f µs per revision; the journal's encoding and writes run on a worker)",
                   thread, thread / Double(count) * 1e6),
            "load: \(count) revisions in \(fmt(seconds)) s = \(Int(Double(count) / seconds)) revisions/s"
                + (batch > 1 ? " (state store batches of \(batch) blocks)" : " (one state store commit per block)"),
            "journal: \(DiskUsage.of(journalDirectory(directory)).description)",
            "state store: \(DiskUsage.of(stateDirectory(directory)).description)",
            "RssAnon after load: \(ProcessMemory.anonymousMB()) MB",
        ].joined(separator: "\n")
    }

    /// Times the open (journal store + ledger); `rebuild` deletes the state store first.
    public static func reopen(directory: String, rebuild: Bool = false) throws -> String {
        if rebuild { try? FileManager.default.removeItem(atPath: stateDirectory(directory)) }
        let start = LedgerTime.monotonicNanoseconds()
        let (store, ledger) = try open(directory)
        let seconds = Double(LedgerTime.monotonicNanoseconds() - start) / 1e9
        defer { ledger.close(); store.close() }
        return "\(rebuild ? "rebuild" : "open"): \(fmt(seconds)) s (\(ledger.blockCount) blocks; \(ledger.openStats)); "
            + "RssAnon after open: \(ProcessMemory.anonymousMB()) MB"
    }

    /// Indexed point lookups through PartiQL on a transaction, one document's
    /// history (its revisions from the state store) and GetRevision proofs.
    public static func query(directory: String, samples: Int = 20_000) throws -> String {
        let (store, ledger) = try open(directory)
        defer { ledger.close(); store.close() }
        let blocks = ledger.blockCount
        let documents = blocks - 1
        guard documents > 0 else { return "query: empty ledger" }
        var rng = SeededGenerator(seed: 7)
        let engine = PartiQLEngine()
        let statement = try engine.parse("SELECT * FROM \(table) WHERE k = ?")
        var lookup: [Double] = []
        for _ in 0..<samples {
            let i = Int(rng.next() % UInt64(documents))
            let t0 = LedgerTime.monotonicNanoseconds()
            let tx = ledger.begin()
            tx.beginStatement()   // as the server runs a statement: on a snapshot
            let rows = try engine.execute(statement, parameters: [.string("k\(i)")], catalog: tx)
            tx.endStatement()
            lookup.append(Double(LedgerTime.monotonicNanoseconds() - t0) / 1000)
            precondition(rows.count == 1, "lookup of k\(i) returned \(rows.count) rows")
        }
        var history: [Double] = []
        var proof: [Double] = []
        let tip = BlockAddress(strandId: ledger.strandId, sequenceNo: blocks - 1)
        for _ in 0..<samples {
            let seq = 1 + Int(rng.next() % UInt64(documents))
            guard let id = ledger.state.blockSummary(seq)?.documentIds.first else { continue }
            let t0 = LedgerTime.monotonicNanoseconds()
            let revisions = ledger.state.revisions(of: id)
            let t1 = LedgerTime.monotonicNanoseconds()
            _ = try ledger.revisionProof(blockAddress: BlockAddress(strandId: ledger.strandId, sequenceNo: seq),
                                         documentId: id, tip: tip)
            let t2 = LedgerTime.monotonicNanoseconds()
            precondition(revisions.count == 1)
            history.append(Double(t1 - t0) / 1000)
            proof.append(Double(t2 - t1) / 1000)
        }
        return [
            "lookup (PartiQL SELECT * FROM \(table) WHERE k = ?, new transaction + statement snapshot): " + LedgerBenchmark.percentiles(lookup),
            "history of one document (its revisions): " + LedgerBenchmark.percentiles(history),
            "revision proof (ledger.revisionProof): " + LedgerBenchmark.percentiles(proof),
            "RssAnon after queries: \(ProcessMemory.anonymousMB()) MB",
        ].joined(separator: "\n")
    }

    /// `LedgerAudit` over the journal and the state store.
    public static func audit(directory: String) throws -> String {
        try requireLoaded(directory)
        let store = try FileJournalStore.open(directory: journalDirectory(directory))
        defer { store.close() }
        let report = LedgerAudit.run(journal: store, stateDirectory: stateDirectory(directory))
        return "audit: \(report.blocks) blocks, \(report.bytes) bytes in \(fmt(report.seconds)) s = "
            + "\(fmt(report.megabytesPerSecond)) MB/s, \(report.isClean ? "clean" : "\(report.mismatchCount) MISMATCHES")"
    }

    static func fmt(_ x: Double) -> String { String(format: "%.3f", x) }
}

/// `/proc/self/status` figures (Linux).
public enum ProcessMemory {
    /// Resident anonymous memory (heap, stacks; not mapped files), in kB; nil off Linux.
    public static func anonymousKB() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("RssAnon:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// User + system CPU time of this process so far.
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    /// CPU time of the calling thread so far.
    public static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    public static func anonymousMB() -> String { anonymousKB().map { String(format: "%.1f", Double($0) / 1024) } ?? "?" }
}

/// Bytes a directory tree takes: allocated on disk and apparent (file sizes).
struct DiskUsage: CustomStringConvertible {
    var allocated = 0
    var apparent = 0
    var files = 0

    static func of(_ path: String) -> DiskUsage {
        var usage = DiskUsage()
        guard let walker = FileManager.default.enumerator(atPath: path) else { return usage }
        for case let name as String in walker {
            var st = stat()
            guard lstat(path + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            usage.allocated += Int(st.st_blocks) * 512
            usage.apparent += Int(st.st_size)
            usage.files += 1
        }
        return usage
    }

    var description: String {
        String(format: "%.1f MB on disk (%.1f MB apparent, %d files)", Double(allocated) / 1e6, Double(apparent) / 1e6, files)
    }
}

/// A benchmark asked to measure something that is not there.
public struct ScaleBenchmarkError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
