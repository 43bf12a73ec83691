import Foundation
import Ion
import PartiQL

extension ScaleBenchmark {
    /// `SELECT * FROM Scale` read as a session reads it: streamed, a page of
    /// 200 values at a time, each page with its own statement budget. Reports
    /// documents/s and the largest anonymous RSS seen between pages; then the
    /// same query built whole (as before streaming), under the default
    /// statement budget, for comparison.
    public static func scan(directory: String) throws -> String {
        let (store, ledger) = try open(directory)
        defer { ledger.close(); store.close() }
        let engine = PartiQLEngine()
        let before = ProcessMemory.anonymousKB() ?? 0
        var peak = before
        let tx = ledger.begin()
        let t0 = LedgerTime.monotonicNanoseconds()
        guard case .stream(let stream) = try engine.open(statement: "SELECT * FROM \(table)", catalog: tx) else {
            return "scan: the query did not stream"
        }
        var documents = 0
        var pages = 0
        var ended = "to the end"
        while !stream.isFinished {
            do {
                documents += try stream.next(maxValues: 200, budget: StatementBudget()).count
            } catch let closed as TransactionClosed {
                // A transaction lives 30 s (QLDB's limit): a client reads the rest in another one.
                ended = "until the transaction's lifetime ran out (\(closed.message))"
                break
            }
            pages += 1
            if pages % 100 == 0 { peak = max(peak, ProcessMemory.anonymousKB() ?? 0) }
        }
        let seconds = Double(LedgerTime.monotonicNanoseconds() - t0) / 1e9
        peak = max(peak, ProcessMemory.anonymousKB() ?? 0)
        tx.abort()
        var lines = [
            "scan streamed \(ended): \(documents) documents in \(pages) pages, \(fmt(seconds)) s = \(Int(Double(documents) / seconds)) documents/s; "
                + String(format: "RssAnon %.1f MB before, at most %.1f MB while reading", Double(before) / 1024, Double(peak) / 1024),
        ]
        let whole = ledger.begin()
        let t1 = LedgerTime.monotonicNanoseconds()
        do {
            let values = try engine.execute(statement: "SELECT * FROM \(table)", catalog: whole)
            lines.append("scan built whole: \(values.count) documents in \(fmt(Double(LedgerTime.monotonicNanoseconds() - t1) / 1e9)) s; "
                + "RssAnon holding the result \(ProcessMemory.anonymousMB()) MB")
        } catch {
            lines.append("scan built whole: failed after \(fmt(Double(LedgerTime.monotonicNanoseconds() - t1) / 1e9)) s: \(error); "
                + "RssAnon then \(ProcessMemory.anonymousMB()) MB")
        }
        whole.abort()
        return lines.joined(separator: "\n")
    }
}
