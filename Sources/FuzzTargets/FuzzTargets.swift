import Foundation
import Ion
import Ledger
import Net
import PartiQL
import QLDBWire

/// The fuzz targets: each takes arbitrary bytes, must never trap on them,
/// and checks with `precondition` whatever round trip its format has — a
/// failed check is a crash libFuzzer reports. The same functions run the
/// seed corpora in `FuzzTargetsTests` and drive `tally-fuzz` (Docs/reliability.md, "Fuzzing").
public enum FuzzTargets {
    public static let all: [(name: String, run: @Sendable ([UInt8]) -> Void)] = [
        ("ion-binary", { ionBinary($0) }),
        ("ion-text", { ionText($0) }),
        ("partiql", { partiql($0) }),
        ("sigv4", { sigv4Authorization($0) }),
        ("send-command", { sendCommand($0) }),
        ("journal", { journalRecord($0) }),
        ("http", { httpRequest($0) }),
    ]

    public static func target(named name: String) -> (@Sendable ([UInt8]) -> Void)? {
        all.first { $0.name == name }?.run
    }

    // MARK: Ion

    /// Ion values read back from what the writers made of them must be the
    /// same values (Ion equivalence), in binary and in text.
    static func checkIonRoundTrip(_ values: [IonValue]) {
        let binary = Ion.writeBinary(values)
        let fromBinary: [IonValue]
        do { fromBinary = try IonBinaryReader(binary).readAll() } catch {
            preconditionFailure("Ion binary written by IonBinaryWriter does not read back: \(error)")
        }
        precondition(equivalent(values, fromBinary), "Ion binary round trip changed the values")
        let text = Ion.writeText(values)
        let fromText: [IonValue]
        do { fromText = try IonTextReader(Array(text.utf8)).readAll() } catch {
            preconditionFailure("Ion text written by IonTextWriter does not read back: \(error)\n\(text)")
        }
        precondition(equivalent(values, fromText), "Ion text round trip changed the values:\n\(text)")
    }

    static func equivalent(_ a: [IonValue], _ b: [IonValue]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isEquivalent(to: $1) }
    }

    public static func ionBinary(_ data: [UInt8]) {
        // Most mutations would lose the version marker; put it back half the time.
        var bytes = data
        if let first = data.first, first & 1 == 1, !Ion.isBinary(data) { bytes = Ion.binaryVersionMarker + data.dropFirst() }
        // Hashing from binary reads the same stream without building values: it must
        // refuse what the reader refuses and agree with the values' hashes otherwise.
        let hashes = try? Ion.sha256Hashes(ofBinary: bytes, options: .untrusted)
        guard let values = try? IonBinaryReader(bytes, options: .untrusted).readAll() else {
            precondition(hashes == nil, "hashing from binary accepts a stream the reader refuses")
            return
        }
        precondition(hashes == values.map(\.ionHash), "hashing from binary disagrees with the values' hashes")
        checkIonRoundTrip(values)
    }

    public static func ionText(_ data: [UInt8]) {
        guard let values = try? IonTextReader(data, options: .untrusted).readAll() else { return }
        checkIonRoundTrip(values)
    }

    // MARK: PartiQL

    public static func partiql(_ data: [UInt8]) {
        _ = try? PartiQLEngine().parse(String(decoding: data, as: UTF8.self))
    }

    // MARK: QLDB wire

    public static func sigv4Authorization(_ data: [UInt8]) {
        let header = String(decoding: data, as: UTF8.self)
        guard let parsed = try? SigV4Authorization.parse(header) else { return }
        // Formatting the parsed header and parsing it again gives the same
        // fields (the parser splits UTF-8 bytes, so any text round-trips).
        let credential = [parsed.accessKeyID, parsed.date, parsed.region, parsed.service, parsed.terminator]
            .joined(separator: "/")
        let again = "\(SigV4Authorization.algorithm) Credential=\(credential), "
            + "SignedHeaders=\(parsed.signedHeaders.joined(separator: ";")), Signature=\(parsed.signature)"
        guard let reparsed = try? SigV4Authorization.parse(again) else {
            preconditionFailure("formatted SigV4 header does not parse: \(again)")
        }
        precondition(reparsed == parsed, "SigV4 header round trip changed it: \(again)")
    }

    public static func sendCommand(_ data: [UInt8]) {
        _ = try? SendCommandRequest.decode(data)
        // The wire's own JSON model: text → value → text → the same value.
        if let value = try? JSONValue.parse(data) {
            let text = Array(value.text.utf8)
            guard let again = try? JSONValue.parse(text) else {
                preconditionFailure("JSON written by JSONValue does not parse: \(value.text)")
            }
            precondition(again == value, "JSON round trip changed the value: \(value.text)")
        }
    }

    // MARK: Ledger

    public static func journalRecord(_ data: [UInt8]) {
        guard let value = try? BlockCodec.decode(data) else { return }  // Ion binary (or text)
        let reencoded = BlockCodec.encode(value)
        guard let again = try? BlockCodec.decode(reencoded) else {
            preconditionFailure("a record BlockCodec encoded does not decode")
        }
        precondition(again.isEquivalent(to: value), "journal record round trip changed the value")
        guard let block = try? Block(ion: value) else { return }
        let blockIon = block.ion
        guard let block2 = try? Block(ion: BlockCodec.decode(BlockCodec.encode(blockIon))) else {
            preconditionFailure("a Block's own Ion does not decode as a Block")
        }
        precondition(block2.ion.isEquivalent(to: blockIon), "Block round trip changed it")
    }

    // MARK: HTTP

    public static func httpRequest(_ data: [UInt8]) {
        // At once and byte by byte must give the same requests and outcome.
        let whole = HTTPRequestParsing.parse(data)
        let pieces = HTTPRequestParsing.parse(data, chunk: data.first.map { Int($0 % 7) + 1 } ?? 1)
        precondition(whole.requests == pieces.requests, "HTTP requests differ when the bytes arrive in pieces")
        precondition((whole.failure == nil) == (pieces.failure == nil),
                     "HTTP parse fails in one feeding and not the other: \(whole.failure ?? "-") / \(pieces.failure ?? "-")")
    }
}
