import ArgumentParser
import Foundation

/// `tally ledger create|list|describe|update|delete` — QLDB's ledger control plane.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Create, list, describe, update, delete and import ledgers.",
        subcommands: [Create.self, List.self, Describe.self, Update.self, Delete.self, Import.self])

    static func printDescription(_ d: LedgerDescription) {
        let width = d.lines.map(\.0.count).max() ?? 0
        for (k, v) in d.lines { print(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v) }
    }

    /// Polls DescribeLedger until `done` says so (or the ledger is gone when `untilGone`).
    static func wait(_ client: ControlPlaneClient, name: String, timeout: Double, untilGone: Bool,
                     until done: (LedgerDescription) -> Bool = { _ in false }) throws -> LedgerDescription? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            do {
                let d = try client.describeLedger(name: name)
                if !untilGone, done(d) { return d }
                if Date() > deadline { throw CLIError("ledger \(name) is still \(d.state) after \(Int(timeout)) s") }
            } catch let e as AWSServiceError where untilGone && e.type == "ResourceNotFoundException" {
                return nil
            }
            usleep(200_000)
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a ledger and wait until it is ACTIVE.")

        @Argument(help: "Ledger name (1-32 of A-Z a-z 0-9 -).")
        var name: String

        @Flag(inversion: .prefixedNo, help: "Deletion protection (AWS's default: on).")
        var deletionProtection: Bool = true

        @Option(help: "STANDARD or ALLOW_ALL.")
        var permissionsMode: String = "STANDARD"

        @Option(help: "KMS key (stored and echoed; Tally does not encrypt with it).")
        var kmsKey: String?

        @Flag(help: "Return as soon as the ledger is CREATING.")
        var noWait = false

        @Option(help: "Seconds to wait for ACTIVE.")
        var timeout: Double = 60

        @OptionGroup var client: ClientOptions

        func run() throws {
            let cp = try client.controlPlane()
            var d = try cp.createLedger(name: name, permissionsMode: permissionsMode,
                                        deletionProtection: deletionProtection, kmsKey: kmsKey)
            if !noWait, d.state != "ACTIVE" {
                d = try LedgerCommand.wait(cp, name: name, timeout: timeout, untilGone: false) { $0.state == "ACTIVE" } ?? d
            }
            LedgerCommand.printDescription(d)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every ledger (all pages).")

        @Option(help: "ListLedgers page size (1-100); every page is fetched.")
        var pageSize: Int = 100

        @OptionGroup var client: ClientOptions

        func run() throws {
            let ledgers = try client.controlPlane().listLedgers(pageSize: pageSize)
            let rows = ledgers.map { [$0.name, $0.state, $0.creationDateTime.map { CLITime.iso(epochSeconds: $0) } ?? ""] }
            print(TableFormatter.render(header: ["Name", "State", "CreationDateTime"], rows: rows), terminator: "")
            printError("\(ledgers.count) ledger(s)")
        }
    }

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a ledger.")

        @Argument(help: "Ledger name.")
        var name: String

        @OptionGroup var client: ClientOptions

        func run() throws {
            LedgerCommand.printDescription(try client.controlPlane().describeLedger(name: name))
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a ledger's deletion protection.")

        @Argument(help: "Ledger name.")
        var name: String

        @Flag(inversion: .prefixedNo, help: "Deletion protection.")
        var deletionProtection: Bool

        @OptionGroup var client: ClientOptions

        func run() throws {
            LedgerCommand.printDescription(try client.controlPlane().updateLedger(name: name, deletionProtection: deletionProtection))
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a ledger and wait until it is gone.",
            discussion: "A ledger with deletion protection is refused (ResourcePreconditionNotMetException) unless --force, which turns the protection off first.")

        @Argument(help: "Ledger name.")
        var name: String

        @Flag(help: "Turn deletion protection off first.")
        var force = false

        @Flag(help: "Return as soon as the ledger is DELETING.")
        var noWait = false

        @Option(help: "Seconds to wait for the ledger to disappear.")
        var timeout: Double = 60

        @OptionGroup var client: ClientOptions

        func run() throws {
            let cp = try client.controlPlane()
            if force { _ = try cp.updateLedger(name: name, deletionProtection: false) }
            try cp.deleteLedger(name: name)
            if !noWait {
                _ = try LedgerCommand.wait(cp, name: name, timeout: timeout, untilGone: true)
                print("Ledger \(name) deleted.")
            } else {
                print("Ledger \(name) is being deleted.")
            }
        }
    }
}
