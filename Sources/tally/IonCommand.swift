import ArgumentParser
import Foundation
import Ion

struct IonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ion",
        abstract: "Convert and hash Ion data (text or binary).",
        subcommands: [Cat.self, Hash.self]
    )

    enum Format: String, EnumerableFlag {
        case text, pretty, binary
    }

    struct Cat: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read Ion files (text or binary; - is standard input) and write them in one format.")

        @Flag(help: "Output format (default: --text).")
        var format: Format = .text

        @Argument(help: "Files to read; - reads standard input.")
        var files: [String] = ["-"]

        func run() throws {
            var values: [IonValue] = []
            for file in files { values += try readIonFile(file) }
            switch format {
            case .binary:
                FileHandle.standardOutput.write(Data(Ion.writeBinary(values)))
            case .text, .pretty:
                var text = Ion.writeText(values, pretty: format == .pretty)
                if !text.hasSuffix("\n") { text += "\n" }
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the SHA-256 Ion Hash (hex) of each top-level value, one per line.")

        @Argument(help: "Files to read; - reads standard input.")
        var files: [String] = ["-"]

        func run() throws {
            for file in files {
                let bytes = try readFileBytes(file)
                // Binary Ion is hashed from its bytes, with no values built.
                let digests = Ion.isBinary(bytes)
                    ? try withFileName(file) { try Ion.sha256Hashes(ofBinary: bytes) }
                    : try withFileName(file) { try Ion.read(bytes).map(\.ionHash) }
                for digest in digests { print(Hex.encode(digest)) }
            }
        }
    }
}

/// Reads every top-level value of an Ion file, or standard input for `-`.
/// Errors name the file and the position.
func readIonFile(_ path: String) throws -> [IonValue] {
    let bytes = try readFileBytes(path)
    return try withFileName(path) { try Ion.read(bytes) }
}

/// The bytes of a file, or of standard input for `-`.
func readFileBytes(_ path: String) throws -> [UInt8] {
    if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
    guard let contents = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read \(path)")
    }
    return [UInt8](contents)
}

/// `body`'s result; an Ion error names the file.
private func withFileName<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as IonError {
        throw ValidationError("\(path == "-" ? "<stdin>" : path): \(error)")
    }
}
