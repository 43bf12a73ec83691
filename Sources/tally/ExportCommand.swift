import ArgumentParser
import Foundation

/// `tally export --ledger L --start T --end T --bucket B [--prefix P]`: ExportJournalToS3 and wait.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a ledger's journal (ExportJournalToS3) and wait until it is COMPLETED.",
        discussion: """
        Tally's "bucket" is a directory under the node's export root (<data_dir>/exports/<bucket>/<prefix>); \
        files follow QLDB's S3 layout. Times: ISO-8601, epoch seconds, or 'now'. The start is clamped to the \
        ledger's creation and the end to the present by the server.
        """)

    @Option(help: "The ledger.")
    var ledger: String

    @Option(help: "Inclusive start time (default: the ledger's creation).")
    var start: String = "0"

    @Option(help: "Exclusive end time (default: now).")
    var end: String = "now"

    @Option(help: "Bucket name (3-255 of A-Z a-z 0-9 - _ .): a directory under the node's export root.")
    var bucket: String

    @Option(help: "Key prefix (a relative directory inside the bucket).")
    var prefix: String = ""

    @Option(help: "ION_TEXT or ION_BINARY.")
    var outputFormat: String = "ION_TEXT"

    @Option(help: "Role ARN sent with the request (QLDB requires one; Tally stores it).")
    var roleArn: String = "arn:aws:iam::000000000000:role/tally-export"

    @Flag(help: "Return once the export is accepted.")
    var noWait = false

    @Option(help: "Seconds to wait for COMPLETED.")
    var timeout: Double = 300

    @OptionGroup var client: ClientOptions

    func run() throws {
        let startTime = try CLITime.parse(start)
        let endTime = try CLITime.parse(end)
        let cp = try client.controlPlane()
        let id = try cp.exportJournalToS3(name: ledger, inclusiveStart: startTime, exclusiveEnd: endTime, bucket: bucket,
                                          prefix: prefix, roleArn: roleArn, outputFormat: outputFormat)
        print("ExportId: \(id)")
        var d = try cp.describeJournalS3Export(name: ledger, exportId: id)
        let deadline = Date().addingTimeInterval(timeout)
        while !noWait, d.status == "IN_PROGRESS" {
            guard Date() < deadline else { throw CLIError("export \(id) still IN_PROGRESS after \(Int(timeout)) s") }
            usleep(250_000)
            d = try cp.describeJournalS3Export(name: ledger, exportId: id)
        }
        print("Status:   \(d.status)")
        if let s = d.inclusiveStartTime, let e = d.exclusiveEndTime {
            print("Range:    \(CLITime.iso(epochSeconds: s)) .. \(CLITime.iso(epochSeconds: e)) (end exclusive)")
        }
        let key = d.prefix.isEmpty ? "" : d.prefix + (d.prefix.hasSuffix("/") ? "" : "/")
        print("Location: s3://\(d.bucket)/\(key)\(id).*  (on the node: <data_dir>/exports/\(d.bucket)/\(key))")
        if !noWait, d.status != "COMPLETED" { throw CLIError("export \(id) ended \(d.status)") }
    }
}
