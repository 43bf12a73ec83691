import ArgumentParser
import Foundation
import Ion

/// `tally shell --ledger L`: a PartiQL REPL over the session API.
struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "A PartiQL shell: statements end with ';'; each runs in its own transaction unless inside BEGIN … COMMIT.",
        discussion: """
        Input comes from --execute, --file, or standard input (interactive on a terminal, with history \
        appended to ~/.tally_history; TALLY_HISTORY overrides the path, an empty value disables it). \
        BEGIN (or START TRANSACTION) opens an explicit transaction, COMMIT commits it, ABORT (or ROLLBACK) \
        abandons it. An error is printed and the next statement runs; a non-interactive run exits with \
        status 1 when any statement failed (--stop-on-error stops at the first).
        """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case ion, table
    }

    @Option(help: "The ledger.")
    var ledger: String

    @Option(name: [.customShort("e"), .long], help: "Statements to run (separated by ';'), then exit.")
    var execute: String?

    @Option(name: [.customShort("f"), .long], help: "A file of statements to run, then exit.")
    var file: String?

    @Option(help: "Result format: ion (pretty Ion text) or table.")
    var format: Format = .ion

    @Flag(help: "Stop at the first failing statement (non-interactive input).")
    var stopOnError = false

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if execute != nil && file != nil { throw ValidationError("--execute and --file are exclusive") }
    }

    func run() throws {
        let session = try SessionClient(settings: client.settings(), ledger: ledger)
        let shell = ShellRunner(session: session, format: format)
        defer { shell.close() }
        let failures: Int
        if let execute {
            failures = shell.runScript(execute, stopOnError: stopOnError)
        } else if let file {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw CLIError("cannot read \(file): \(error.localizedDescription)")
            }
            failures = shell.runScript(text, stopOnError: stopOnError)
        } else if isatty(0) != 0 {
            shell.interactive()
            failures = 0
        } else {
            failures = shell.runLines(stopOnError: stopOnError, prompt: false)
        }
        if failures > 0 {
            shell.close()
            throw ExitCode(1)
        }
    }
}

/// The shell's state: the session, an explicit transaction if one is open, output.
final class ShellRunner {
    let session: SessionClient
    let format: ShellCommand.Format
    private(set) var inExplicitTransaction = false
    private var closed = false
    private var history: FileHandle?

    init(session: SessionClient, format: ShellCommand.Format) {
        self.session = session
        self.format = format
    }

    func close() {
        guard !closed else { return }
        closed = true
        if inExplicitTransaction {
            printError("Aborting the open transaction (no COMMIT).")
            session.abort()
            inExplicitTransaction = false
        }
        session.endSession()
        try? history?.close()
    }

    /// Runs every statement of `text`; returns how many failed.
    func runScript(_ text: String, stopOnError: Bool) -> Int {
        var splitter = StatementSplitter()
        var statements = splitter.feed(text)
        if let last = splitter.finish() { statements.append(last) }
        var failures = 0
        for s in statements {
            if !perform(s) {
                failures += 1
                if stopOnError { break }
            }
        }
        return failures
    }

    /// Reads standard input line by line.
    func runLines(stopOnError: Bool, prompt: Bool) -> Int {
        var splitter = StatementSplitter()
        var failures = 0
        while true {
            if prompt {
                print(splitter.isEmpty ? "tally:\(session.ledger)\(inExplicitTransaction ? "*" : "")> " : "    -> ",
                      terminator: "")
                fflush(stdout)
            }
            guard let line = readLine(strippingNewline: false) else { break }
            if prompt, splitter.isEmpty {
                let word = line.trimmingWhitespace().lowercased()
                if ["exit", "quit", "\\q", "exit;", "quit;"].contains(word) { return failures }
                if ["help", "\\h", "\\?", "help;"].contains(word) { printHelp(); continue }
            }
            for s in splitter.feed(line) {
                if prompt { remember(s) }
                if !perform(s) {
                    failures += 1
                    if stopOnError && !prompt { return failures }
                }
            }
        }
        if prompt { print("") }
        if let last = splitter.finish() {
            if prompt { remember(last) }
            if !perform(last) { failures += 1 }
        }
        return failures
    }

    func interactive() {
        print("Tally shell on ledger \(session.ledger) (\(session.settings.sessionEndpoint)). "
            + "End statements with ';'. BEGIN/COMMIT/ABORT for explicit transactions; 'help', 'exit'.")
        openHistory()
        _ = runLines(stopOnError: false, prompt: true)
    }

    func printHelp() {
        print("""
        Statements end with ';' and may span lines. Each runs in its own transaction (auto-commit) unless
        inside BEGIN; … COMMIT; (or ABORT;). Results print as \(format == .ion ? "pretty Ion" : "a table").
        exit / quit / \\q leaves the shell (an open transaction is aborted).
        """)
    }

    // MARK: history

    private func openHistory() {
        let env = ProcessInfo.processInfo.environment
        let path = env["TALLY_HISTORY"] ?? ((env["HOME"] ?? NSHomeDirectory()) + "/.tally_history")
        guard !path.isEmpty else { return }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        history = FileHandle(forWritingAtPath: path)
        _ = try? history?.seekToEnd()
    }

    private func remember(_ statement: String) {
        history?.write(Data((statement.replacingOccurrences(of: "\n", with: " ") + ";\n").utf8))
    }

    // MARK: statements

    /// Runs one statement (or BEGIN/COMMIT/ABORT); prints the result or the error. True on success.
    @discardableResult
    func perform(_ statement: String) -> Bool {
        let keyword = statement.split(whereSeparator: \.isWhitespace).joined(separator: " ").uppercased()
        do {
            switch keyword {
            case "BEGIN", "BEGIN TRANSACTION", "START TRANSACTION":
                guard !inExplicitTransaction else { throw CLIError("a transaction is already open (COMMIT or ABORT it first)") }
                let t = try withSession { try self.session.startTransaction() }
                inExplicitTransaction = true
                printError("Transaction \(t.id) started.")
            case "COMMIT", "COMMIT TRANSACTION", "COMMIT WORK":
                guard inExplicitTransaction else { throw CLIError("no transaction is open (BEGIN starts one)") }
                inExplicitTransaction = false
                let id = session.transaction?.id ?? "?"
                let digest = try session.commit()
                printError("Transaction \(id) committed (commit digest \(Data(digest).base64EncodedString())).")
            case "ABORT", "ABORT TRANSACTION", "ROLLBACK", "ROLLBACK TRANSACTION":
                guard inExplicitTransaction else { throw CLIError("no transaction is open") }
                inExplicitTransaction = false
                session.abort()
                printError("Transaction aborted.")
            default:
                let result: StatementResult
                if inExplicitTransaction {
                    do {
                        result = try session.executeStatement(statement)
                    } catch let e as AWSServiceError where e.type == "InvalidSessionException" {
                        inExplicitTransaction = false
                        session.dropSession()
                        throw CLIError("\(e) — the transaction is gone")
                    } catch let e as ClientTransport.NetworkFailure {
                        inExplicitTransaction = false
                        session.dropSession()
                        throw CLIError("\(e) — the transaction is lost")
                    }
                } else {
                    result = try session.run { try $0.executeStatement(statement) }
                }
                show(result)
            }
            return true
        } catch {
            printError("Error: \(error)")
            if inExplicitTransaction { printError("(the transaction is still open: COMMIT or ABORT)") }
            return false
        }
    }

    /// A command outside `run`: start a session first; restart it once if it was lost.
    private func withSession<T>(_ body: () throws -> T) throws -> T {
        if session.sessionToken == nil { try session.startSession() }
        do {
            return try body()
        } catch let e as AWSServiceError where e.isInvalidSession {
            try session.startSession()
            return try body()
        }
    }

    func show(_ result: StatementResult) {
        switch format {
        case .ion:
            for v in result.values { print(Ion.writeText([v], pretty: true)) }
        case .table:
            print(TableFormatter.render(values: result.values), terminator: "")
        }
        fflush(stdout)
        printError("\(result.values.count) document(s); read IOs \(result.readIOs), write IOs \(result.writeIOs), "
            + "server time \(result.processingTimeMs) ms")
    }
}
