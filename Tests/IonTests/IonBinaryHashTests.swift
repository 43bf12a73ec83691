import Foundation
import XCTest
@testable import Ion

/// Ion Hash computed from binary bytes (`IonHasher.hashes(ofBinary:)`) against
/// the same hash of the values the reader builds, which the upstream vectors pin.
final class IonBinaryHashTests: XCTestCase {
    private let sha = IonHasher(SHA256HashFunction())
    private let identity = IonHasher(IdentityHashFunction())

    private func assertSameAsTree(_ bytes: [UInt8], _ message: String, file: StaticString = #filePath,
                                  line: UInt = #line) throws {
        let values = try Ion.read(bytes)
        XCTAssertEqual(try identity.serializations(ofBinary: bytes).map(Hex.encode),
                       values.map { Hex.encode(identity.hash($0)) }, message, file: file, line: line)
        XCTAssertEqual(try sha.hashes(ofBinary: bytes).map(Hex.encode), values.map { Hex.encode($0.ionHash) },
                       message, file: file, line: line)
    }

    /// Every upstream ion-hash test value, written as binary and hashed from the bytes.
    func testUpstreamVectors() throws {
        let tests = try Ion.read(SharedTestData.bytes("ion-hash/ion_hash_tests.ion"))
        let derived = try Ion.read(SharedTestData.bytes("ion-hash/ion_hash_tests.sha256-derived.ion"))
        var checked = 0
        for (index, test) in tests.enumerated() {
            let bytes: [UInt8]
            if case .sexp(let items)? = test[field: "10n"]?.content {
                bytes = Ion.binaryVersionMarker + items.compactMap { item -> UInt8? in
                    if case .int(.small(let b)) = item.content { return UInt8(b) }
                    return nil
                }
            } else if let ion = test[field: "ion"] {
                bytes = Ion.writeBinary([ion])
            } else {
                continue
            }
            guard case .string(let expected)? = derived[index][field: "sha256"]?.content else { continue }
            XCTAssertEqual(try sha.hashes(ofBinary: bytes).map(Hex.encode), [expected], "test \(index)")
            checked += 1
        }
        XCTAssertEqual(checked, 167)
    }

    /// Every good conformance file hashes as its values do, whatever the encoding
    /// (the equivs files hold each value in several: padded ints, binary32
    /// floats, local offsets, NOP pads, sorted structs, local symbol tables).
    func testConformanceFiles() throws {
        let good = SharedTestData.files(under: "ion/good").filter { $0.hasSuffix(".10n") }
        XCTAssertGreaterThan(good.count, 50)
        for file in good {
            try assertSameAsTree(try SharedTestData.bytes(file), file)
        }
    }

    /// Every bad conformance file is refused with the error reading it raises.
    func testBadFilesRefusedAlike() throws {
        let bad = SharedTestData.files(under: "ion/bad").filter { $0.hasSuffix(".10n") }
        XCTAssertGreaterThan(bad.count, 20)
        for file in bad {
            let bytes = try SharedTestData.bytes(file)
            var readError: IonError?
            do { _ = try IonBinaryReader(bytes).readAll() } catch { readError = error }
            do {
                let digests = try sha.hashes(ofBinary: bytes)
                XCTFail("\(file) was hashed: \(digests.count) values")
            } catch {
                XCTAssertEqual(error.description, readError?.description, file)
            }
        }
    }

    func testNonCanonicalEncodingsHashAsCanonical() throws {
        let ivm = Ion.binaryVersionMarker
        // 5 as 0x21 05 and with two leading zero bytes; -5 likewise.
        XCTAssertEqual(try sha.hashes(ofBinary: ivm + [0x21, 0x05, 0x23, 0x00, 0x00, 0x05]).map(Hex.encode),
                       Array(repeating: Hex.encode(IonValue.int(5).ionHash), count: 2))
        XCTAssertEqual(try sha.hashes(ofBinary: ivm + [0x31, 0x05, 0x32, 0x00, 0x05]).map(Hex.encode),
                       Array(repeating: Hex.encode(IonValue.int(-5).ionHash), count: 2))
        // 1.5 as binary32 and binary64.
        XCTAssertEqual(try sha.hashes(ofBinary: ivm + [0x44, 0x3F, 0xC0, 0, 0, 0x48, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]),
                       Array(repeating: IonValue(.float(1.5)).ionHash, count: 2))
        // {name: 7} plain, with a NOP pad field before it, and as a sorted struct (length code 1).
        let expected = IonValue.struct([("name", .int(7))]).ionHash
        let structs: [UInt8] = [0xD3, 0x84, 0x21, 0x07, 0xD5, 0x80, 0x00, 0x84, 0x21, 0x07, 0xD1, 0x83, 0x84, 0x21, 0x07]
        XCTAssertEqual(try sha.hashes(ofBinary: ivm + structs), Array(repeating: expected, count: 3))
        // A local symbol table between values, and a version marker that resets it.
        let table: [UInt8] = [0xE9, 0x81, 0x83, 0xD6, 0x87, 0xB4, 0x83, 0x61, 0x62, 0x63]   // $ion_symbol_table::{symbols:["abc"]}
        XCTAssertEqual(try sha.hashes(ofBinary: ivm + table + [0x71, 0x0A] + ivm + [0x71, 0x04]),
                       [IonValue.symbol("abc").ionHash, IonValue.symbol("name").ionHash])
    }

    /// Random values of every type, including the marker bytes 0x0B, 0x0C and
    /// 0x0E inside strings, symbols and blobs, through text → binary.
    func testRandomValues() throws {
        var rng = SplitMix64Random(seed: 0x1D_4A5B)
        for round in 0..<400 {
            let text = (0..<Int(rng.next() % 4 + 1)).map { _ in randomText(&rng, depth: 0) }.joined(separator: " ")
            let values = try Ion.read(text)
            try assertSameAsTree(Ion.writeBinary(values), "round \(round): \(text)")
        }
    }

    /// Escaping a word at a time against escaping byte by byte, on blobs dense in
    /// markers and their neighbours (0x0A, 0x0D, 0x0F), from values and from binary.
    func testEscapingMatchesByteByByte() throws {
        var rng = SplitMix64Random(seed: 0xE5C)
        for _ in 0..<2_000 {
            let bytes = (0..<Int(rng.next() % 41)).map { _ -> UInt8 in
                let r = rng.next()
                return r % 3 == 0 ? [0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F][Int(r / 3 % 6)] : UInt8(truncatingIfNeeded: r >> 8)
            }
            var expected: [UInt8] = [0x0B, 0xA0]
            for b in bytes {
                if b == 0x0B || b == 0x0C || b == 0x0E { expected.append(0x0C) }
                expected.append(b)
            }
            expected.append(0x0E)
            XCTAssertEqual(identity.hash(.blob(bytes)), expected, "\(bytes)")
            XCTAssertEqual(try identity.serializations(ofBinary: Ion.writeBinary([.blob(bytes)])), [expected], "\(bytes)")
        }
    }

    func testErrorsCarryOffsets() {
        let ivm = Ion.binaryVersionMarker
        XCTAssertThrowsError(try sha.hashes(ofBinary: [0x01, 0x02])) {
            XCTAssertTrue("\($0)".contains("version marker"), "\($0)")
        }
        XCTAssertThrowsError(try sha.hashes(ofBinary: ivm + [0x82, 0xC3, 0x28])) {
            XCTAssertTrue("\($0)".contains("UTF-8"), "\($0)")
        }
        XCTAssertThrowsError(try sha.hashes(ofBinary: ivm + [0x30])) {
            XCTAssertTrue("\($0)".contains("negative int with a zero magnitude"), "\($0)")
        }
        XCTAssertThrowsError(try sha.hashes(ofBinary: ivm + [0xD4, 0x84, 0x21])) {
            XCTAssertTrue("\($0)".contains("runs past"), "\($0)")
        }
        XCTAssertThrowsError(try sha.hashes(ofBinary: ivm + [0x71, 0x7F])) {
            XCTAssertTrue("\($0)".contains("symbol id 127"), "\($0)")
        }
        var deep: [UInt8] = [0x21, 0x01]
        for _ in 0..<101 {
            let n = deep.count
            deep = [0xBE] + (n < 128 ? [0x80 | UInt8(n)] : [UInt8(n >> 7), 0x80 | UInt8(n & 0x7F)]) + deep
        }
        XCTAssertThrowsError(try Ion.read(ivm + deep))
        XCTAssertThrowsError(try sha.hashes(ofBinary: ivm + deep)) {
            XCTAssertTrue("\($0)".contains("nested deeper"), "\($0)")
        }
    }

    private func randomText(_ rng: inout SplitMix64Random, depth: Int) -> String {
        let pick = rng.next() % (depth > 3 ? 12 : 16)
        let annotation = rng.next() % 6 == 0 ? "\(randomSymbol(&rng))::" : ""
        let body: String
        switch pick {
        case 0: body = ["null", "null.int", "null.struct", "null.string", "null.timestamp", "null.list"][Int(rng.next() % 6)]
        case 1: body = rng.next() % 2 == 0 ? "true" : "false"
        case 2: body = String(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 64))
        case 3: body = ["123456789012345678901234567890", "-98765432109876543210", "0", "-1"][Int(rng.next() % 4)]
        case 4: body = ["0e0", "-0e0", "1.5e0", "-2.25e10", "nan", "+inf", "-inf", "3.141592653589793e0"][Int(rng.next() % 8)]
        case 5: body = ["0.", "-0.", "12.50", "1d-3", "-0d5", "123.456d7", "0d-2", "99999999999999999999.1"][Int(rng.next() % 8)]
        case 6: body = ["2021T", "2021-02T", "2021-02-03", "2021-02-03T04:05Z", "2021-02-03T04:05:06+05:30",
                        "2021-02-03T04:05:06.789-08:00", "2021-02-03T04:05:06.000Z", "2021-02-03T04:05:06.0Z",
                        "1999-12-31T23:59:59.999999-00:00"][Int(rng.next() % 9)]
        case 7: body = randomSymbol(&rng)
        case 8, 9: body = "\"" + randomChars(&rng) + "\""
        case 10: body = "{{" + Data((0..<Int(rng.next() % 12)).map { _ in [0x0B, 0x0C, 0x0E, 0x41, 0xFF][Int(rng.next() % 5)] })
            .base64EncodedString() + "}}"
        case 11: body = "{{\"clob \\x0b\\x0e\\x0c\"}}"
        case 12, 13:
            let n = Int(rng.next() % 5)
            body = "{" + (0..<n).map { _ in "\(randomSymbol(&rng)): \(randomText(&rng, depth: depth + 1))" }
                .joined(separator: ", ") + "}"
        case 14:
            body = "[" + (0..<Int(rng.next() % 5)).map { _ in randomText(&rng, depth: depth + 1) }
                .joined(separator: ", ") + "]"
        default:
            body = "(" + (0..<Int(rng.next() % 4)).map { _ in randomText(&rng, depth: depth + 1) }
                .joined(separator: " ") + ")"
        }
        return annotation + body
    }

    private func randomSymbol(_ rng: inout SplitMix64Random) -> String {
        ["a", "b", "name", "'with space'", "'\\x0b marker'", "'\\x0e\\x0c'", "'$ion'", "k\(rng.next() % 50)"][Int(rng.next() % 8)]
    }

    private func randomChars(_ rng: inout SplitMix64Random) -> String {
        (0..<Int(rng.next() % 20)).map { _ in ["a", "Z", " ", "\\x0b", "\\x0c", "\\x0e", "é", "✓", "\\u0000"][Int(rng.next() % 9)] }
            .joined()
    }
}
