import ArgumentParser
import Foundation
import Ion

/// `tally digest --ledger L [--save FILE]`: GetDigest.
struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print a ledger's current digest and tip; --save keeps them for `tally verify`.")

    @Option(help: "The ledger.")
    var ledger: String

    @Option(help: "Write the digest to this file (Ion text; JSON if the name ends in .json).")
    var save: String?

    @OptionGroup var client: ClientOptions

    func run() throws {
        let settings = try client.settings()
        let d = try ControlPlaneClient(settings: settings).getDigest(name: ledger)
        guard d.digest.count == 32 else { throw CLIError("the server's digest is \(d.digest.count) bytes, not 32") }
        print("Ledger:           \(ledger)")
        print("Digest (hex):     \(Hex.encode(d.digest))")
        print("Digest (base64):  \(Data(d.digest).base64EncodedString())")
        print("DigestTipAddress: \(d.tipAddress)")
        if let save {
            let saved = SavedDigest(ledger: ledger, digest: d.digest, tipAddress: d.tipAddress, savedAt: CLITime.nowISO(),
                                    endpoint: settings.controlEndpoint.description)
            try saved.write(to: save)
            print("Saved to:         \(save)")
        }
    }
}
