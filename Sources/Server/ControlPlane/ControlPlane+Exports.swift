import Foundation
import Replica
import Ion
import Ledger
import Net
import QLDBWire

/// ExportJournalToS3, DescribeJournalS3Export, ListJournalS3Exports(ForLedger).
/// A bucket is a directory under `options.exportRoot`; the export is written in
/// QLDB's S3 layout under `<exportRoot>/<bucket>/<prefix>` by `ExportRun`, off the loop.
/// Each access key may have `options.maxExportsPerCredential` exports IN_PROGRESS.
extension ControlPlane {
    static let encryptionTypes: Set<String> = ["SSE_KMS", "SSE_S3", "NO_ENCRYPTION"]

    func exportJournal(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let (entry, _) = try activeLedger(name)
        let body = try ControlPlaneBody(request)
        let start = try body.timeMs("InclusiveStartTime", required: true)!
        var end = try body.timeMs("ExclusiveEndTime", required: true)!
        let s3 = try body.object("S3ExportConfiguration", required: true)!
        let bucket = try s3.requiredString("Bucket", length: 3...255)
        guard bucket.utf8.allSatisfy({ b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
        }), bucket.contains(where: { $0 != "." }) else {
            throw ControlPlaneError.invalid("Bucket must match ^[A-Za-z-0-9-_.]+$", parameter: "S3ExportConfiguration.Bucket")
        }
        let prefix = try s3.requiredString("Prefix", length: 0...128)
        guard !prefix.hasPrefix("/"), !prefix.split(separator: "/").contains(".."), !prefix.contains("\0") else {
            throw ControlPlaneError.invalid("Prefix must be a relative path without '..'", parameter: "S3ExportConfiguration.Prefix")
        }
        let encryption = try s3.object("EncryptionConfiguration", required: true)!
        let encryptionType = try encryption.requiredString("ObjectEncryptionType")
        guard ControlPlane.encryptionTypes.contains(encryptionType) else {
            throw ControlPlaneError.invalid("ObjectEncryptionType must be SSE_KMS, SSE_S3 or NO_ENCRYPTION",
                                            parameter: "S3ExportConfiguration.EncryptionConfiguration.ObjectEncryptionType")
        }
        let kmsKeyArn = try encryption.string("KmsKeyArn", length: 20...1600)
        let roleArn = try body.requiredString("RoleArn", length: 20...1600)
        let format = try body.string("OutputFormat") ?? "ION_TEXT"
        guard JournalExport.Format(rawValue: format) != nil else {
            throw ControlPlaneError.invalid("OutputFormat must be ION_TEXT, ION_BINARY or JSON", parameter: "OutputFormat")
        }
        let now = options.now()
        guard end <= now + 60_000 else {
            throw ControlPlaneError.invalid("ExclusiveEndTime must not be in the future", parameter: "ExclusiveEndTime")
        }
        end = min(end, now)
        guard start < end else {
            throw ControlPlaneError.invalid("InclusiveStartTime must be before ExclusiveEndTime", parameter: "InclusiveStartTime")
        }
        let key = ControlPlane.accessKey(request)
        try checkExportQuota(key)
        var spec = NodeCommand.ExportJournal(
            exportId: options.ids.next(), ledgerName: name, inclusiveStartMs: max(start, entry.info.creationTimeMs),
            exclusiveEndMs: end, bucket: bucket, prefix: prefix, objectEncryptionType: encryptionType, kmsKeyArn: kmsKeyArn,
            roleArn: roleArn, outputFormat: format, creationTimeMs: now)
        spec.requestedBy = key
        pendingExports[key, default: 0] += 1
        let release: (HTTPResponse) -> Void = { [weak self] response in
            self?.pendingExports[key, default: 1] -= 1
            if self?.pendingExports[key] == 0 { self?.pendingExports[key] = nil }
            respond(response)
        }
        propose(.exportJournal(spec), request, resource: ("LEDGER", name), release) { [weak self] _ in
            self?.options.schedule { self?.runExport(spec.exportId) }
            return .object([("ExportId", .string(spec.exportId))])
        }
    }

    func describeExport(_ name: String, _ id: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) {
        read(request, respond) { [unowned self] in
            guard let export = registry.exports[id], export.spec.ledgerName == name else {
                throw ControlPlaneError.notFound("EXPORT", id, "Journal export \(id) of ledger \(name) does not exist")
            }
            return .object([("ExportDescription", ControlPlane.exportJSON(export))])
        }
    }

    func listExports(_ name: String?, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let page = try ControlPlanePage(ControlPlaneQuery(request), defaultSize: options.defaultPageSize)
        read(request, respond) { [unowned self] in
            if let name { _ = try liveEntry(name) }
            let items = registry.exports.values
                .filter { name == nil || $0.spec.ledgerName == name }
                .map { (key: ControlPlane.sortKey($0.spec.creationTimeMs, $0.spec.exportId), item: $0) }
                .sorted { $0.key < $1.key }
            let (exports, next) = page.slice(items)
            var members: [(String, JSONValue)] = [("JournalS3Exports", .array(exports.map(ControlPlane.exportJSON)))]
            if let next { members.append(("NextToken", .string(next))) }
            return .object(members)
        }
    }

    static func sortKey(_ ms: Int64, _ id: String) -> String {
        let t = String(max(ms, 0))
        return String(repeating: "0", count: max(0, 16 - t.count)) + t + "|" + id
    }

    static func exportJSON(_ e: ExportInfo) -> JSONValue {
        var encryption: [(String, JSONValue)] = [("ObjectEncryptionType", .string(e.spec.objectEncryptionType))]
        if let kms = e.spec.kmsKeyArn { encryption.append(("KmsKeyArn", .string(kms))) }
        return .object([
            ("LedgerName", .string(e.spec.ledgerName)), ("ExportId", .string(e.spec.exportId)),
            ("ExportCreationTime", .seconds(ms: e.spec.creationTimeMs)), ("Status", .string(e.status)),
            ("InclusiveStartTime", .seconds(ms: e.spec.inclusiveStartMs)),
            ("ExclusiveEndTime", .seconds(ms: e.spec.exclusiveEndMs)),
            ("S3ExportConfiguration", .object([("Bucket", .string(e.spec.bucket)), ("Prefix", .string(e.spec.prefix)),
                                               ("EncryptionConfiguration", .object(encryption))])),
            ("RoleArn", .string(e.spec.roleArn)), ("OutputFormat", .string(e.spec.outputFormat)),
        ])
    }

    /// Leader only: writes the export's files off the loop (`ExportRun`), then
    /// proposes its final status. The block range was fixed at apply.
    func runExport(_ id: String) {
        guard isLeader, let export = registry.exports[id], export.status == "IN_PROGRESS", !runningExports.contains(id) else { return }
        runningExports.insert(id)
        let run = ExportRun(
            export: export, root: options.exportRoot, loop: loop,
            ledger: { [weak self] in self?.registry.entry(named: export.spec.ledgerName)?.ledger },
            shouldContinue: { [weak self] in
                guard let self else { return false }
                return self.isLeader && self.registry.exports[id]?.status == "IN_PROGRESS"
            })
        run.start { [weak self] error in
            guard let self else { return }
            if error is ExportRun.Stopped {
                self.runningExports.remove(id)
                return
            }
            let message = error.map { "export failed: \($0)" }
            self.proposeQuietly(.finishExport(exportId: id, status: error == nil ? "COMPLETED" : "CANCELLED", message: message)) {
                [weak self] _ in self?.runningExports.remove(id)
            }
        }
    }

    /// The per-credential quota: IN_PROGRESS exports of `key` plus its proposals in flight.
    func checkExportQuota(_ key: String) throws {
        let running = registry.exports.values.filter { $0.status == "IN_PROGRESS" && $0.spec.requestedBy == key }.count
        let limit = options.maxExportsPerCredential
        guard running + (pendingExports[key] ?? 0) < limit else {
            throw ControlPlaneError(code: "LimitExceededException",
                                    message: "Exceeded the limit of \(limit) concurrent journal exports for access key \(key)",
                                    resourceType: "LEDGER")
        }
    }

    /// The access key id a (verified) request was signed with.
    static func accessKey(_ request: HTTPRequest) -> String {
        request.headers["Authorization"].flatMap { try? SigV4Authorization.parse($0).accessKeyID } ?? "anonymous"
    }
}
