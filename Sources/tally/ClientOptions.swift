import ArgumentParser
import Foundation

/// Options every client command shares. Everything else comes from the AWS
/// environment (see `ClientSettings`).
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("endpoint-url"),
            help: "Endpoint for both APIs (default: AWS_ENDPOINT_URL_QLDB / AWS_ENDPOINT_URL_QLDB_SESSION / AWS_ENDPOINT_URL).")
    var endpointURL: String?

    func settings() throws -> ClientSettings {
        try ClientSettings.fromEnvironment(endpointOverride: endpointURL)
    }

    func controlPlane() throws -> ControlPlaneClient {
        try ControlPlaneClient(settings: settings())
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
