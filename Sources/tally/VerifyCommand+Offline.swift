import Foundation
import Ion

/// `tally verify --digest FILE --revision FILE | --block FILE`: no server, only the files.
extension VerifyCommand {
    func runOffline(_ saved: SavedDigest) {
        let kind: Receipt.Kind = revision != nil ? .revision : .block
        let path = revision ?? block ?? ""
        let tip: ProofVerifier.Address
        let report: ProofVerifier.Report
        do {
            tip = try ProofVerifier.Address(text: saved.tipAddress, what: "the saved digestTipAddress")
            if !saved.ledger.isEmpty { print("Ledger:        \(saved.ledger)") }
            print("Saved digest:  \(Hex.encode(saved.digest)) (tip \(tip), saved \(saved.savedAt))")
            print("Verifying:     \(kind.rawValue.lowercased()) receipt \(path) (offline)")
            let receipt = try Receipt.load(path: path, kind: kind, proofPath: proof)
            let address = try ProofVerifier.Address(ion: receipt.value[field: "blockAddress"] ?? .null,
                                                    what: "\(kind.rawValue).blockAddress")
            guard address.strandId == tip.strandId, address.sequenceNo <= tip.sequenceNo else {
                fail("block \(address) is not covered by the saved digest (tip \(tip))")
            }
            switch kind {
            case .revision:
                report = try ProofVerifier.verifyRevision(receipt.value, proof: receipt.proof, digest: saved.digest,
                                                          blockAddress: nil, documentId: nil)
            case .block:
                report = try ProofVerifier.verifyBlock(receipt.value, proof: receipt.proof, digest: saved.digest, blockAddress: nil)
            }
        } catch let f as ProofVerifier.Failure {
            fail(f.description)
        } catch {
            fail("\(error)")
        }
        for line in report.checks { print("  " + line) }
        print("VERIFIED: the \(kind.rawValue.lowercased()) is in the journal the saved digest commits to.")
    }
}
