import ArgumentParser

@main
struct Tally: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "tally",
        abstract: "Tally: a self-hosted, verifiable ledger database that speaks QLDB's protocol.",
        version: version,
        subcommands: [NodeRunCommand.self, ClusterCommand.self, BackupCommand.self, RestoreCommand.self, LedgerCommand.self, ShellCommand.self, DigestCommand.self, VerifyCommand.self, ExportCommand.self, IonCommand.self, LedgerDemoCommand.self, VerifyExportCommand.self, AuditCommand.self, BenchCommand.self, VersionCommand.self]
    )
}
