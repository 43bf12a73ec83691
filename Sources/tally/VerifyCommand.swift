import ArgumentParser
import Foundation
import Ion

/// `tally verify --digest FILE (--document-id ID --block-address A | --block-address A)` asks a server;
/// `tally verify --digest FILE (--revision FILE | --block FILE) [--proof FILE]` checks saved receipts offline.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a document revision or a block against a saved digest, from a server or from saved receipts.",
        discussion: """
        With --block-address, asks for GetRevision (with --document-id) or GetBlock with the saved digest's tip as \
        DigestTipAddress. With --revision FILE or --block FILE, no server is asked: the file is a receipt saved \
        earlier (the JSON `aws qldb get-revision` / `get-block` print, or the Ion text of the revision or block and \
        its proof). Either way the revision hash (dot(H(metadata), H(data))) or the block hash (from its entries) \
        is recomputed here, the proof folded with dot, and the result accepted only if it equals the SAVED digest \
        (a `tally digest --save` file or the JSON `aws qldb get-digest` prints). Nothing else a server or a \
        receipt says is trusted. Exit status 0 when verified, 1 otherwise.
        """)

    @Option(help: "Digest file: written by `tally digest --save`, or the JSON `aws qldb get-digest` printed.")
    var digest: String

    @Option(help: "Block address, e.g. '{strandId:\"…\",sequenceNo:3}' (as in _ql_committed_T.blockAddress).")
    var blockAddress: String?

    @Option(help: "Document id: verify that document's revision in the block (else the block itself).")
    var documentId: String?

    @Option(help: "Offline: a saved revision receipt (`aws qldb get-revision` JSON, or Ion text of the revision and proof).")
    var revision: String?

    @Option(help: "Offline: a saved block receipt (`aws qldb get-block` JSON, or Ion text of the block and proof).")
    var block: String?

    @Option(help: "Offline: the proof, when the receipt file holds only the revision or block.")
    var proof: String?

    @Option(help: "The ledger (default: the one in the digest file; must match it).")
    var ledger: String?

    @OptionGroup var client: ClientOptions

    func validate() throws {
        if revision != nil && block != nil { throw ValidationError("give --revision or --block, not both") }
        let offline = revision != nil || block != nil
        if offline && (blockAddress != nil || documentId != nil) {
            throw ValidationError("--revision/--block verify a saved receipt; --block-address and --document-id ask a server")
        }
        if !offline && blockAddress == nil { throw ValidationError("give --block-address (ask a server) or --revision/--block FILE") }
        if !offline && proof != nil { throw ValidationError("--proof goes with --revision or --block") }
    }

    func run() throws {
        var saved = try SavedDigest.load(path: digest)
        if let ledger, !saved.ledger.isEmpty, ledger != saved.ledger {
            throw CLIError("the digest file is for ledger \(saved.ledger), not \(ledger)")
        }
        if revision != nil || block != nil { return runOffline(saved) }
        if saved.ledger.isEmpty {
            guard let ledger else { throw CLIError("the digest file names no ledger; give --ledger") }
            saved.ledger = ledger
        }
        let address = try ProofVerifier.Address(text: blockAddress ?? "", what: "--block-address")
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

    func fail(_ reason: String) -> Never {
        print("VERIFICATION FAILED: \(reason)")
        printError("tally verify: VERIFICATION FAILED: \(reason)")
        Foundation.exit(1)
    }
}
