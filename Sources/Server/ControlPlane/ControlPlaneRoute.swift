import Foundation

/// Every operation of PROTOCOL.md §2.2, from method and path. Labels are
/// percent-decoded; `/tags/{resourceArn}` takes the rest of the path (the
/// SDKs send the ARN fully encoded, `%3A` and `%2F`).
enum ControlPlaneRoute: Equatable {
    case createLedger, listLedgers
    case describeLedger(String), updateLedger(String), updatePermissionsMode(String), deleteLedger(String)
    case getDigest(String), getBlock(String), getRevision(String)
    case exportJournal(String), describeExport(String, String), listExports, listExportsForLedger(String)
    case streamJournal(String), describeStream(String, String), listStreams(String), cancelStream(String, String)
    case tagResource(String), untagResource(String), listTags(String)
    /// Tally's own: `tally ledger import` (not a QLDB operation).
    case startImport(String), importBlocks(String), finishImport(String)

    /// nil when no operation matches; throws on a label that is not valid percent-encoding.
    init?(method: String, path: String) throws {
        let raw = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        func decode(_ s: String) throws -> String {
            guard let d = s.removingPercentEncoding, !d.isEmpty else {
                throw ControlPlaneError.invalid("The path label '\(s.prefix(64))' is not valid percent-encoding")
            }
            return d
        }
        var segs = raw
        if segs.last == "" && segs.count > 1 { segs.removeLast() }
        let m = method.uppercased()
        if segs.first == "tags", segs.count >= 2 {
            let arn = try decode(segs.dropFirst().joined(separator: "/"))
            switch m {
            case "POST": self = .tagResource(arn)
            case "DELETE": self = .untagResource(arn)
            case "GET": self = .listTags(arn)
            default: return nil
            }
            return
        }
        switch (m, segs.count, segs.first) {
        case ("GET", 1, "journal-s3-exports"): self = .listExports
        case ("POST", 1, "ledgers"): self = .createLedger
        case ("GET", 1, "ledgers"): self = .listLedgers
        case (_, 2, "ledgers"):
            let name = try decode(segs[1])
            switch m {
            case "GET": self = .describeLedger(name)
            case "PATCH": self = .updateLedger(name)
            case "DELETE": self = .deleteLedger(name)
            default: return nil
            }
        case (_, 3, "ledgers"):
            let name = try decode(segs[1])
            switch (m, segs[2]) {
            case ("PATCH", "permissions-mode"): self = .updatePermissionsMode(name)
            case ("POST", "digest"): self = .getDigest(name)
            case ("POST", "block"): self = .getBlock(name)
            case ("POST", "revision"): self = .getRevision(name)
            case ("POST", "journal-s3-exports"): self = .exportJournal(name)
            case ("GET", "journal-s3-exports"): self = .listExportsForLedger(name)
            case ("POST", "journal-kinesis-streams"): self = .streamJournal(name)
            case ("GET", "journal-kinesis-streams"): self = .listStreams(name)
            case ("POST", "import"): self = .startImport(name)
            case ("POST", "import-blocks"): self = .importBlocks(name)
            case ("POST", "import-finish"): self = .finishImport(name)
            default: return nil
            }
        case (_, 4, "ledgers"):
            let name = try decode(segs[1])
            let id = try decode(segs[3])
            switch (m, segs[2]) {
            case ("GET", "journal-s3-exports"): self = .describeExport(name, id)
            case ("GET", "journal-kinesis-streams"): self = .describeStream(name, id)
            case ("DELETE", "journal-kinesis-streams"): self = .cancelStream(name, id)
            default: return nil
            }
        default:
            return nil
        }
    }
}
