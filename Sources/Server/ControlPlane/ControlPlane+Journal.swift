import Ion
import Ledger
import Net
import QLDBWire

/// GetDigest, GetBlock, GetRevision — payloads exactly as PROTOCOL.md §3.6.
extension ControlPlane {
    func getDigest(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) {
        read(request, respond) { [unowned self] in
            let (_, ledger) = try activeLedger(name)
            guard ledger.blockCount > 0 else {
                throw ControlPlaneError.precondition("LEDGER", name, "Ledger \(name) has no committed block yet, so it has no digest")
            }
            let (digest, tip) = try ledger.digestPayload()
            return .object([("Digest", .string(digest)), ("DigestTipAddress", .object([("IonText", .string(tip))]))])
        }
    }

    func getBlock(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let body = try ControlPlaneBody(request)
        let addressText = try body.ionText("BlockAddress", required: true)!
        let tipText = try body.ionText("DigestTipAddress")
        read(request, respond) { [unowned self] in
            let (_, ledger) = try activeLedger(name)
            let tip = try tipText.map { try address($0, in: ledger, parameter: "DigestTipAddress") }
            let blockAddress = try address(addressText, in: ledger, parameter: "BlockAddress", notAfter: tip)
            let payload = try ledger.blockPayload(address: blockAddress, tip: tip)
            return ControlPlane.payloadJSON(payload, name: "Block")
        }
    }

    func getRevision(_ name: String, _ request: HTTPRequest, _ respond: @escaping (HTTPResponse) -> Void) throws {
        let body = try ControlPlaneBody(request)
        let addressText = try body.ionText("BlockAddress", required: true)!
        let documentId = try body.requiredString("DocumentId")
        guard documentId.utf8.count == 22, documentId.utf8.allSatisfy({ b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
        }) else {
            throw ControlPlaneError.invalid("DocumentId '\(documentId.prefix(64))' must be exactly 22 characters matching ^[A-Za-z-0-9]+$",
                                            parameter: "DocumentId")
        }
        let tipText = try body.ionText("DigestTipAddress")
        read(request, respond) { [unowned self] in
            let (_, ledger) = try activeLedger(name)
            let tip = try tipText.map { try address($0, in: ledger, parameter: "DigestTipAddress") }
            let blockAddress = try address(addressText, in: ledger, parameter: "BlockAddress", notAfter: tip)
            do {
                let payload = try ledger.revisionPayload(address: blockAddress, documentId: documentId, tip: tip)
                return ControlPlane.payloadJSON(payload, name: "Revision")
            } catch LedgerError.unknownRevision {
                throw ControlPlaneError.notFound("DOCUMENT", documentId,
                                                 "Document \(documentId) has no revision in block \(blockAddress) of ledger \(name)")
            }
        }
    }

    /// Parses a block address given as Ion text (spaces allowed) and checks it
    /// names a committed block of this ledger (at or before `tip` when given).
    func address(_ text: String, in ledger: Ledger, parameter: String, notAfter tip: BlockAddress? = nil) throws -> BlockAddress {
        let address: BlockAddress
        do {
            address = try Ledger.parseAddress(ionText: text)
        } catch {
            throw ControlPlaneError.invalid("\(parameter) \(text.prefix(200)) is not a block address "
                + "{strandId: \"…\", sequenceNo: N}: \(error)", parameter: parameter)
        }
        guard address.strandId == ledger.strandId else {
            throw ControlPlaneError.invalid("\(parameter) names strand \(address.strandId); this ledger's strand is \(ledger.strandId)",
                                            parameter: parameter)
        }
        guard address.sequenceNo < ledger.blockCount else {
            throw ControlPlaneError.invalid("\(parameter) \(address) is not a committed block (the ledger has \(ledger.blockCount))",
                                            parameter: parameter)
        }
        if let tip, address.sequenceNo > tip.sequenceNo {
            throw ControlPlaneError.invalid("\(parameter) \(address) comes after DigestTipAddress \(tip)", parameter: parameter)
        }
        return address
    }

    static func payloadJSON(_ payload: Ledger.Payload, name: String) -> JSONValue {
        var members: [(String, JSONValue)] = [(name, .object([("IonText", .string(payload.ionText))]))]
        if let proof = payload.proofIonText { members.append(("Proof", .object([("IonText", .string(proof))]))) }
        return .object(members)
    }
}
