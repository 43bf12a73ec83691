import Foundation
import Ion
import XCTest

/// Every binary file of the shared Ion 1.0 conformance data (see Tests/Fixtures/ion/README.md).
final class BinaryConformanceTests: XCTestCase {
    /// Files that would need a shared-symbol-table catalog, with the reason. None so far.
    private static let skipped: [String: String] = [:]

    private func binaryFiles(_ folder: String) throws -> [String] {
        let files = SharedTestData.files(under: "ion/\(folder)").filter { $0.hasSuffix(".10n") }
        if files.isEmpty {
            throw IonError("no Ion test data under \(SharedTestData.root.path)/ion/\(folder)", offset: 0)
        }
        return files.filter { Self.skipped[$0] == nil }
    }

    func testGoodAndBadFiles() throws {
        let good = try binaryFiles("good")
        let bad = try binaryFiles("bad")
        var goodPassed = 0
        var badPassed = 0
        for file in good {
            do {
                _ = try BinaryTestSupport.read(try SharedTestData.bytes(file))
                goodPassed += 1
            } catch {
                XCTFail("\(file): \(error)")
            }
        }
        for file in bad {
            do {
                let values = try BinaryTestSupport.read(try SharedTestData.bytes(file))
                XCTFail("\(file) was accepted: \(values)")
            } catch is IonError {
                badPassed += 1
            } catch {
                XCTFail("\(file): not an IonError: \(error)")
            }
        }
        print("binary good: \(goodPassed)/\(good.count), bad: \(badPassed)/\(bad.count), skipped: \(Self.skipped.count)")
        XCTAssertGreaterThan(good.count, 0)
        XCTAssertGreaterThan(bad.count, 0)
    }

    func testGoodFilesRoundTrip() throws {
        var passed = 0
        let good = try binaryFiles("good")
        for file in good {
            let original = try BinaryTestSupport.read(try SharedTestData.bytes(file))
            let written = IonBinaryWriter.write(original)
            do {
                let reread = try BinaryTestSupport.read(written)
                if BinaryTestSupport.normalized(reread) == BinaryTestSupport.normalized(original) {
                    passed += 1
                } else {
                    XCTFail("\(file): round trip changed the values\n\(original)\n\(reread)")
                }
            } catch {
                XCTFail("\(file): rewritten stream unreadable: \(error) \(BinaryTestSupport.hex(written))")
            }
            XCTAssertEqual(IonBinaryWriter.write(original), written, "\(file): writer is not deterministic")
        }
        print("binary round trip: \(passed)/\(good.count)")
    }

    /// good/equivs/*.10n: every element of each top-level sequence is equal (after the reader's
    /// normalisation of timestamps, plain `==` except for struct field order and int padding).
    func testBinaryEquivs() throws {
        let files = try binaryFiles("good/equivs")
        for file in files {
            let values = try BinaryTestSupport.read(try SharedTestData.bytes(file))
            for group in values {
                let elements: [IonValue]
                switch group.content {
                case .list(let xs), .sexp(let xs): elements = xs
                default: XCTFail("\(file): top-level value is not a sequence"); continue
                }
                for a in elements {
                    for b in elements {
                        XCTAssertEqual(sortedFields(a), sortedFields(b), "\(file)")
                    }
                }
            }
        }
    }

    private func sortedFields(_ value: IonValue) -> IonValue {
        var result = value
        switch value.content {
        case .struct(let fields):
            result.content = .struct(fields.map { IonField($0.name, sortedFields($0.value)) }
                .sorted { "\($0.name)\($0.value)" < "\($1.name)\($1.value)" })
        case .list(let xs): result.content = .list(xs.map(sortedFields))
        case .sexp(let xs): result.content = .sexp(xs.map(sortedFields))
        default: break
        }
        return result
    }
}
