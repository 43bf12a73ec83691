import ArgumentParser
import Foundation
import Ion
import Ledger
import QLDBWire

extension LedgerCommand {
    /// `tally ledger import NAME DIR`: a new ledger from a QLDB journal export.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a ledger from a QLDB journal export (ExportJournalToS3 layout), verifying every block.",
            discussion: """
                The export is verified entirely here first (every revision hash, entries, block hashes, the chain from \
                block 0, and the digest when --digest is given), then sent to the node in chunks; every node verifies \
                every block again as it applies it and checks the digest before the ledger goes ACTIVE. On any failure \
                the half-imported ledger is deleted. JSON exports are checked as far as their hashes allow and refused. \
                See Docs/import.md.
                """)

        @Argument(help: "Name of the new ledger.")
        var name: String

        @Argument(help: "The export directory (holding <exportId>.<…>.completed.manifest and the data objects).")
        var directory: String

        @Option(help: "The digest saved from QLDB (`aws qldb get-digest` JSON) or by `tally digest --save`.")
        var digest: String?

        @Flag(inversion: .prefixedNo, help: "Deletion protection of the new ledger.")
        var deletionProtection: Bool = true

        @Option(help: "Bytes of blocks per replicated command (at most 6 MiB; a larger block goes alone).")
        var chunkBytes: Int = 1_000_000

        @OptionGroup var client: ClientOptions

        func run() throws {
            guard (1...NodeCommandLimits.importChunkBytes).contains(chunkBytes) else {
                throw CLIError("--chunk-bytes must be 1 to \(NodeCommandLimits.importChunkBytes)")
            }
            let expected = try digest.map(ImportDigestFile.load)
            let report: JournalImport.Report
            do { report = try JournalImport.scan(directory: directory, expected: expected) } catch let e as ImportError {
                throw CLIError("import refused: \(e)")
            }
            printError(report.description)
            let cp = try client.controlPlane()
            let path = "/ledgers/\(ControlPlaneClient.label(name))"
            try cp.call("POST", path + "/import", body: .object([
                ("StrandId", .string(report.strandId)), ("DeletionProtection", .bool(deletionProtection)),
            ]))
            do {
                var chunk: [String] = []
                var bytes = 0
                var first = 0
                func send() throws {
                    guard !chunk.isEmpty else { return }
                    try cp.call("POST", path + "/import-blocks", body: .object([
                        ("FirstSequenceNo", .number(String(first))), ("Blocks", .array(chunk.map { .string($0) })),
                    ]))
                    first += chunk.count
                    chunk = []
                    bytes = 0
                }
                try JournalImport.scan(directory: directory, expected: expected) { block in
                    let encoded = BlockCodec.encode(block.ion)
                    if bytes + encoded.count > chunkBytes { try send() }
                    chunk.append(Base64.encode(encoded))
                    bytes += encoded.count
                }
                try send()
                try cp.call("POST", path + "/import-finish", body: .object([
                    ("TipSequenceNo", .number(String(report.tip.sequenceNo))), ("Digest", .string(Base64.encode(report.digest))),
                ]))
            } catch {
                // Nothing half-imported is left: the CREATING ledger never served and is removed
                // (only while CREATING: a finished import is never deleted here).
                guard (try? cp.describeLedger(name: name).state) == "CREATING" else {
                    throw CLIError("import of \(name) failed: \(error)")
                }
                try? cp.deleteLedger(name: name)
                throw CLIError("import of \(name) failed and the partial ledger was deleted: \(error)")
            }
            print("imported \(report.blocks) blocks into ledger \(name); tip \(report.tip); digest \(Base64.encode(report.digest))")
        }
    }
}

/// Limits the CLI shares with the node (kept here: the client does not link Server).
enum NodeCommandLimits {
    static let importChunkBytes = 6 * 1024 * 1024
}

/// A saved digest for `tally ledger import --digest`: the JSON `aws qldb
/// get-digest` prints (`{"Digest": "<base64>", "DigestTipAddress": {"IonText": "…"}}`)
/// or a `tally digest --save` file.
enum ImportDigestFile {
    static func load(_ path: String) throws -> JournalImport.ExpectedDigest {
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read digest file \(path)") }
        let values = try? Ion.read(Array(data))
        if let v = values?.first, values?.count == 1, let digestValue = v[field: "Digest"] {
            guard case .string(let text) = digestValue.content, let digest = Base64.decode(text), digest.count == 32 else {
                throw CLIError("digest file \(path): Digest must be a base64 SHA-256 hash")
            }
            guard case .string(let tipText)? = v[field: "DigestTipAddress"]?[field: "IonText"]?.content else {
                throw CLIError("digest file \(path): DigestTipAddress.IonText is missing")
            }
            return .init(digest: digest, tip: try tip(tipText, path))
        }
        let saved = try SavedDigest.load(path: path)
        return .init(digest: saved.digest, tip: try tip(saved.tipAddress, path))
    }

    private static func tip(_ text: String, _ path: String) throws -> BlockAddress {
        do { return try Ledger.parseAddress(ionText: text) } catch {
            throw CLIError("digest file \(path): the tip address \(text) does not parse: \(error)")
        }
    }
}
