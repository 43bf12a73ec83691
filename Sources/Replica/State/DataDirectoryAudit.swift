import Foundation
import Ion
import Ledger

/// `tally audit DATA_DIR`: re-verifies every ledger of a stopped node's data
/// directory (`LedgerAudit`: the whole journal chain, and the state store
/// against it). Each journal is opened as the node opens it, taking its
/// directory lock, so a data directory a running node holds is refused.
public enum DataDirectoryAudit {
    public struct LedgerResult: Sendable {
        public var name: String
        public var ledgerId: String
        public var report: LedgerAuditReport?
        /// Why the ledger could not be audited (its journal is locked or does not open).
        public var failure: String?
        public var locked = false
        public var isClean: Bool { failure == nil && report?.isClean == true }
    }

    public struct Result: Sendable {
        public var ledgers: [LedgerResult] = []
        public var isClean: Bool { ledgers.allSatisfy(\.isClean) }
        /// A running node holds (at least one of) the journals.
        public var refused: Bool { ledgers.contains { $0.locked } }

        public var text: String {
            if ledgers.isEmpty { return "no ledgers\n" }
            return ledgers.map { l in
                var lines = ["ledger \(l.name) (\(l.ledgerId)):"]
                if let failure = l.failure { lines.append("  FAILED: \(failure)") }
                if let report = l.report {
                    lines += report.description.split(separator: "\n").map { "  \($0)" }
                }
                return lines.joined(separator: "\n")
            }.joined(separator: "\n") + "\n"
        }
    }

    public static func run(dataDirectory: String) throws -> Result {
        // A node keeps its registry in <data_dir>/ledgers (`ledgers.ion`, `ledgers/<id>/`).
        let registry = registryDirectory(dataDirectory)
        let ledgersDirectory = registry + "/ledgers"
        guard FileManager.default.fileExists(atPath: ledgersDirectory) else {
            throw NodeCodingError("\(dataDirectory) is not a node data directory (no ledgers/)")
        }
        let names = try ledgerNames(registry)
        var result = Result()
        let ids = try FileManager.default.contentsOfDirectory(atPath: ledgersDirectory).sorted()
        for id in ids where FileManager.default.fileExists(atPath: "\(ledgersDirectory)/\(id)/journal") {
            var entry = LedgerResult(name: names[id] ?? "(not in \(LedgerRegistry.fileName))", ledgerId: id)
            do {
                let store = try FileJournalStore.open(directory: "\(ledgersDirectory)/\(id)/journal")
                defer { store.close() }
                entry.report = LedgerAudit.run(journal: store, stateDirectory: "\(ledgersDirectory)/\(id)/state")
            } catch JournalStoreError.locked(let directory) {
                entry.locked = true
                entry.failure = "\(directory) is locked: a running node holds this data directory; stop it first"
            } catch {
                entry.failure = "the journal does not open: \(error)"
            }
            result.ledgers.append(entry)
            if entry.locked { break }
        }
        return result
    }

    static func registryDirectory(_ dataDirectory: String) -> String {
        let nested = dataDirectory + "/ledgers"
        let fm = FileManager.default
        return fm.fileExists(atPath: nested + "/" + LedgerRegistry.fileName) || fm.fileExists(atPath: nested + "/ledgers")
            ? nested : dataDirectory
    }

    /// ledgerId → name, from `ledgers.ion` (empty when there is none yet).
    static func ledgerNames(_ dataDirectory: String) throws -> [String: String] {
        guard let bytes = try DurableFile.read(dataDirectory + "/" + LedgerRegistry.fileName) else { return [:] }
        let values = try Ion.read(bytes)
        guard values.count == 1 else { return [:] }
        var names: [String: String] = [:]
        for value in try NodeRecordReader(values[0]).list("ledgers") {
            let info = try LedgerInfo(ion: value)
            names[info.ledgerId] = info.name
        }
        return names
    }
}
