import Foundation
import XCTest
@testable import Ion

/// Inputs the fuzzer (scripts/fuzz, Docs/reliability.md "Fuzzing") found,
/// kept in Tests/Fixtures/fuzz-regressions/.
final class IonFuzzRegressionTests: XCTestCase {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fuzz-regressions/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    /// A binary decimal whose exponent is beyond ±10^18 read fine, but its
    /// text (`…d-9…`) did not read back: the text reader capped exponents
    /// at about ±10^18, below the ±Int.max the binary reader accepts. Both
    /// now read exactly ±Int.max.
    func testBinaryDecimalWithAHugeExponentRoundTripsThroughText() throws {
        let values = try IonBinaryReader(try Self.fixture("ion-binary-decimal-huge-exponent.10n"), options: .untrusted).readAll()
        let text = Ion.writeText(values)
        let again = try IonTextReader(Array(text.utf8)).readAll()
        XCTAssertEqual(values.count, again.count)
        for (a, b) in zip(values, again) { XCTAssertTrue(a.isEquivalent(to: b), "\(text)") }
    }

    func testTextDecimalExponentsCoverTheIntRange() throws {
        for exponent in [-Int.max, -Int.max + 1, -1_000_000_000_000_000_000, 1_000_000_000_000_000_000, Int.max] {
            let value = IonValue(.decimal(IonDecimal(coefficient: 7, exponent: exponent)))
            let text = Ion.writeText([value])
            let read = try Ion.read(text)
            XCTAssertEqual(read.count, 1)
            XCTAssertTrue(read[0].isEquivalent(to: value), text)
            let binary = try Ion.read(Ion.writeBinary([value]))
            XCTAssertTrue(binary[0].isEquivalent(to: value), text)
        }
        // Beyond ±Int.max (what binary reads): a clear error, not a trap.
        for text in ["1d9223372036854775808", "1d-9223372036854775808", "1.0d-9223372036854775807", "1d-9223372036854775809", "1d99999999999999999999999", "1.5d-9223372036854775808"] {
            XCTAssertThrowsError(try Ion.read(text), text) { error in
                XCTAssertTrue("\(error)".contains("decimal exponent too large"), "\(text): \(error)")
            }
        }
        XCTAssertTrue(try Ion.read("1d+0000000000000000000000000000005")[0]
            .isEquivalent(to: IonValue(.decimal(IonDecimal(coefficient: 1, exponent: 5)))))
    }
}

extension IonFuzzRegressionTests {
    /// A top-level symbol value `$ion_1_0` (SID 2) in binary came back as a
    /// user value, while its text (`'$ion_1_0'`) is a no-op system value: the
    /// binary → text → read round trip lost it. Both readers now skip it.
    func testTopLevelIonVersionSymbolIsANoOpInBinaryAsInText() throws {
        let minimal = try Self.fixture("ion-binary-symbol-ion_1_0.10n")
        let values = try IonBinaryReader(minimal, options: .untrusted).readAll()
        XCTAssertEqual(values.count, 1)
        XCTAssertTrue(values[0].isEquivalent(to: .int(1)))
        XCTAssertEqual(try Ion.read("'$ion_1_0' $2 1").count, 1)
        // Annotated or nested, it is an ordinary symbol.
        XCTAssertEqual(try IonBinaryReader(Ion.writeBinary([.list([.symbol("$ion_1_0")])])).readAll().count, 1)

        let found = try IonBinaryReader(try Self.fixture("ion-binary-symbol-ion_1_0-found.10n"), options: .untrusted).readAll()
        let again = try IonTextReader(Array(Ion.writeText(found).utf8)).readAll()
        XCTAssertEqual(found.count, again.count)
        for (a, b) in zip(found, again) { XCTAssertTrue(a.isEquivalent(to: b)) }
    }
}
