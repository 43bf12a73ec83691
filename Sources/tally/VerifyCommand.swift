import ArgumentParser
import Foundation
import Ion

/// `tally verify --digest FILE (--document-id ID --block-address A | --block-address A)`.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a document revision or a block against a digest saved earlier with `tally digest --save`.",
        discussion: """
        Asks for GetRevision (with --document-id) or GetBlock with the saved digest's tip as DigestTipAddress, \
        recomputes the revision hash (dot(H(metadata), H(data))) or the block hash (from its entries) itself, \
        folds the proof with dot and accepts only if the result equals the SAVED digest. Nothing else the \
        server says is trusted. Exit status 0 when verified, 1 otherwise.
        """)

    @Option(help: "Digest file written by `tally digest --save`.")
    var digest: String

    @Option(help: "Block address, e.g. '{strandId:\"…\",sequenceNo:3}' (as in _ql_committed_T.blockAddress).")
    var blockAddress: String

    @Option(help: "Document id: verify that document's revision in the block (else the block itself).")
    var documentId: String?

    @Option(help: "The ledger (default: the one in the digest file; must match it).")
    var ledger: String?

    @OptionGroup var client: ClientOptions

    func run() throws {
        let saved = try SavedDigest.load(path: digest)
        if let ledger, ledger != saved.ledger {
            throw CLIError("the digest file is for ledger \(saved.ledger), not \(ledger)")
        }
        let address = try ProofVerifier.Address(text: blockAddress, what: "--block-address")
        let tip = try ProofVerifier.Address(text: saved.tipAddress, what: "the saved digestTipAddress")
        print("Ledger:        \(saved.ledger)")
        print("Saved digest:  \(Hex.encode(saved.digest)) (tip \(tip), saved \(saved.savedAt))")
        guard address.strandId == tip.strandId, address.sequenceNo <= tip.sequenceNo else {
            fail("block \(address) is not covered by the saved digest (tip \(tip)); save a newer digest")
        }
        let cp = try client.controlPlane()
        let report: ProofVerifier.Report
        do {
            if let documentId {
                print("Verifying:     revision of document \(documentId) in block \(address)")
                let r = try cp.getRevision(name: saved.ledger, blockAddress: address.description, documentId: documentId,
                                           digestTipAddress: saved.tipAddress)
                report = try ProofVerifier.verifyRevision(revisionText: r.ionText, proofText: r.proofIonText,
                                                          digest: saved.digest, blockAddress: address, documentId: documentId)
            } else {
                print("Verifying:     block \(address)")
                let b = try cp.getBlock(name: saved.ledger, blockAddress: address.description, digestTipAddress: saved.tipAddress)
                report = try ProofVerifier.verifyBlock(blockText: b.ionText, proofText: b.proofIonText,
                                                       digest: saved.digest, blockAddress: address)
            }
        } catch let f as ProofVerifier.Failure {
            fail(f.description)
        }
        for line in report.checks { print("  " + line) }
        print("VERIFIED: the \(documentId == nil ? "block" : "revision") is in the journal the saved digest commits to.")
    }

    private func fail(_ reason: String) -> Never {
        print("VERIFICATION FAILED: \(reason)")
        printError("tally verify: VERIFICATION FAILED: \(reason)")
        Foundation.exit(1)
    }
}
