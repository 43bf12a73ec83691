import ArgumentParser
import Net

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print Tally's version and the native libraries it is linked with."
    )

    func run() {
        print("tally \(Tally.version)")
        print("libuv \(NativeLibraries.libuvVersion)")
        print("\(NativeLibraries.openSSLVersion)")
        print("http-parser \(NativeLibraries.httpParserVersion)")
    }
}
