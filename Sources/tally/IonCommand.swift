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
                for value in try readIonFile(file) {
                    print(Hex.encode(value.ionHash))
                }
            }
        }
    }
}

/// Reads every top-level value of an Ion file, or standard input for `-`.
/// Errors name the file and the position.
func readIonFile(_ path: String) throws -> [IonValue] {
    let data: Data
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        guard let contents = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        data = contents
    }
    do {
        return try Ion.read([UInt8](data))
    } catch let error as IonError {
        throw ValidationError("\(path == "-" ? "<stdin>" : path): \(error)")
    }
}
