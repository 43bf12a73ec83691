import Ion
import Replica
import Ledger
import Net
import QLDBWire

/// Tally's own control-plane calls behind `tally ledger import` (not QLDB
/// operations; SigV4-signed like the rest):
///
///     POST /ledgers/{name}/import         {StrandId, PermissionsMode?, DeletionProtection?}  → CREATING, importing
///     POST /ledgers/{name}/import-blocks  {FirstSequenceNo, Blocks: [base64 Ion binary block, …]}  → {Blocks: n}
///     POST /ledgers/{name}/import-finish  {TipSequenceNo, Digest: base64}  → ACTIVE
///
/// Each is one replicated command; every node re-verifies the blocks as it
/// applies them, and the digest before the ledger goes ACTIVE. An abandoned
/// import is removed with DeleteLedger.
extension ControlPlane {
    func startImport(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let body = try ControlPlaneBody(request)
        try ControlPlaneBody.checkName(name, parameter: "Name")
        let strand = try body.requiredString("StrandId", length: 1...64)
        guard strand.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw ControlPlaneError.invalid("StrandId must be alphanumeric", parameter: "StrandId")
        }
        let mode = try checkPermissionsMode(body.string("PermissionsMode") ?? "STANDARD")
        let protection = try body.bool("DeletionProtection") ?? true
        try checkNameFree(name)
        var command = NodeCommand.CreateLedger(
            name: name, ledgerId: options.ids.next(), strandId: strand, permissionsMode: mode,
            deletionProtection: protection, kmsKey: nil, tags: [], creationTimeMs: options.now())
        command.importing = true
        propose(.createLedger(command), request, resource: ("LEDGER", name), respond) { _ in
            .object([("Name", .string(name)), ("State", .string(LedgerLifecycle.creating.rawValue)), ("StrandId", .string(strand))])
        }
    }

    func importBlocks(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let body = try ControlPlaneBody(request)
        guard case .number(let firstText)? = body.value("FirstSequenceNo"), let first = Int(firstText), first >= 0 else {
            throw ControlPlaneError.invalid("FirstSequenceNo must be a non-negative integer", parameter: "FirstSequenceNo")
        }
        guard case .array(let values)? = body.value("Blocks"), !values.isEmpty else {
            throw ControlPlaneError.invalid("Blocks must be a non-empty array", parameter: "Blocks")
        }
        let blocks = try values.map { value -> [UInt8] in
            guard case .string(let text) = value, let bytes = Base64.decode(text) else {
                throw ControlPlaneError.invalid("Blocks holds an entry that is not base64", parameter: "Blocks")
            }
            return bytes
        }
        guard blocks.reduce(0, { $0 + $1.count }) <= NodeCommand.ImportBlocks.maxBytes else {
            throw ControlPlaneError.invalid("Blocks exceed \(NodeCommand.ImportBlocks.maxBytes) bytes; send fewer per call", parameter: "Blocks")
        }
        let entry = try importingEntry(name)
        let command = NodeCommand.ImportBlocks(ledgerName: name, ledgerId: entry.info.ledgerId, firstSequenceNo: first, blocks: blocks)
        propose(.importBlocks(command), request, resource: ("LEDGER", name), respond) { [weak self] _ in
            .object([("Blocks", .number(String(self?.registry.entry(named: name)?.ledger?.blockCount ?? 0)))])
        }
    }

    func finishImport(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let body = try ControlPlaneBody(request)
        guard case .number(let tipText)? = body.value("TipSequenceNo"), let tip = Int(tipText), tip >= 0 else {
            throw ControlPlaneError.invalid("TipSequenceNo must be a non-negative integer", parameter: "TipSequenceNo")
        }
        guard let digest = Base64.decode(try body.requiredString("Digest")), digest.count == SHA256.byteCount else {
            throw ControlPlaneError.invalid("Digest must be a base64 SHA-256 hash", parameter: "Digest")
        }
        let entry = try liveEntry(name)  // an ACTIVE one: a retried finish, answered if the digest matches
        let command = NodeCommand.FinishImport(ledgerName: name, ledgerId: entry.info.ledgerId, tipSequenceNo: tip, digest: digest)
        propose(.finishImport(command), request, resource: ("LEDGER", name), respond) { _ in
            .object([("Name", .string(name)), ("State", .string(LedgerLifecycle.active.rawValue))])
        }
    }

    private func importingEntry(_ name: String) throws -> LedgerRegistry.Entry {
        let entry = try liveEntry(name)
        guard entry.info.state == .creating, entry.info.importing else {
            throw ControlPlaneError.precondition("LEDGER", name, "Ledger \(name) is not being imported")
        }
        return entry
    }
}
