import ArgumentParser
import Foundation
import Replica
import Server

/// `tally audit DATA_DIR`: full re-verification of a stopped node's data directory.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Re-verify a stopped node's data directory: every ledger's journal chain and its state store.",
        discussion: """
            Exits 0 when every ledger verifies, 1 on any mismatch (the report names the ledger \
            and block), 2 when a running node holds the directory or it is not a data directory.
            """)

    @Argument(help: "The node's data directory (data_dir in its config).")
    var dataDirectory: String

    func run() throws {
        let result: DataDirectoryAudit.Result
        do {
            result = try DataDirectoryAudit.run(dataDirectory: dataDirectory)
        } catch {
            FileHandle.standardError.write(Data("tally audit: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(result.text, terminator: "")
        if result.refused { throw ExitCode(2) }
        if !result.isClean { throw ExitCode(1) }
    }
}
