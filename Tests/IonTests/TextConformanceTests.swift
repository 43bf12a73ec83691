import Foundation
import XCTest
import Ion

/// The Ion 1.0 text conformance data (amazon-ion/ion-tests) in
/// Tests/Fixtures/ion: every good `.ion` file reads, every bad one is
/// rejected with an IonError, and good files round-trip through the writer.
final class TextConformanceTests: XCTestCase {
    /// Files skipped, with the reason. None are needed today.
    static let skipList: [String: String] = [:]

    func testGoodFilesRead() throws {
        let files = TextTestSupport.ionFiles("good")
        XCTAssertGreaterThan(files.count, 150, "conformance data not found at \(TextTestSupport.ionTestDataDirectory().path)")
        var passed = 0
        var failures: [String] = []
        for url in files {
            let name = TextTestSupport.relativePath(url)
            if TextConformanceTests.skipList[name] != nil { continue }
            let bytes = [UInt8](try Data(contentsOf: url))
            do {
                _ = try TextTestSupport.read(bytes)
                passed += 1
            } catch {
                failures.append("\(name): \(error)")
            }
        }
        print("text good: \(passed)/\(files.count), skipped: \(TextConformanceTests.skipList.count)")
        XCTAssertEqual(failures, [], "good files rejected")
    }

    func testBadFilesRejected() throws {
        let files = TextTestSupport.ionFiles("bad")
        XCTAssertGreaterThan(files.count, 300, "conformance data not found at \(TextTestSupport.ionTestDataDirectory().path)")
        var rejected = 0
        var accepted: [String] = []
        for url in files {
            let name = TextTestSupport.relativePath(url)
            if TextConformanceTests.skipList[name] != nil { continue }
            let bytes = [UInt8](try Data(contentsOf: url))
            do {
                let values = try TextTestSupport.read(bytes)
                accepted.append("\(name): read \(values.count) values")
            } catch {
                XCTAssertNotNil(error as? IonError, "\(name) threw \(error), not IonError")
                rejected += 1
            }
        }
        print("text bad: \(rejected)/\(files.count)")
        XCTAssertEqual(accepted, [], "bad files accepted")
    }

    /// read → write (compact and pretty) → read gives equal values.
    func testGoodFilesRoundTrip() throws {
        var checked = 0
        var failures: [String] = []
        for url in TextTestSupport.ionFiles("good") {
            let name = TextTestSupport.relativePath(url)
            if TextConformanceTests.skipList[name] != nil { continue }
            guard let values = try? TextTestSupport.read([UInt8](try Data(contentsOf: url))) else { continue }
            let expected = TextTestSupport.normalized(values)
            for pretty in [false, true] {
                let text = TextTestSupport.write(values, pretty: pretty)
                do {
                    let again = TextTestSupport.normalized(try TextTestSupport.read(text))
                    if again != expected {
                        failures.append("\(name) (\(pretty ? "pretty" : "compact")): values differ after round trip")
                    }
                } catch {
                    failures.append("\(name) (\(pretty ? "pretty" : "compact")): written text rejected: \(error)")
                }
            }
            checked += 1
        }
        print("text round trip: \(checked - failures.count)/\(checked) files")
        XCTAssertEqual(failures, [])
    }

    /// Equivalence files whose elements are equal even structurally (`==`):
    /// lists of strings, ints, lobs, symbols … (the full data-model
    /// comparison, with unordered structs and timestamps, is tested elsewhere).
    func testStructuralEquivs() throws {
        let files = ["textNewlines", "clobNewlines", "strings", "longStringsWithComments", "ints", "bigInts",
                     "binaryInts", "intsWithUnderscores", "decimalsWithUnderscores", "floatsWithUnderscores",
                     "blobs", "clobs", "symbols", "systemSymbols", "annotatedSymbols", "emptyStrings",
                     "listComments", "sexpComments", "lists", "sexps", "listsTrailingComma", "keywordPrefixes",
                     "nullNulls", "nonIVMNoOps", "annotatedIvms", "localSymbolTableAppend",
                     "localSymbolTableNullSlots", "localSymbolTables", "localSymbolTableWithAnnotations",
                     "systemSymbolsAsAnnotations", "zeroFloats", "structComments", "structWhitespace"]
        var checkedGroups = 0
        for name in files {
            let url = TextTestSupport.ionTestDataDirectory().appendingPathComponent("good/equivs/\(name).ion")
            let groups = try TextTestSupport.read([UInt8](try Data(contentsOf: url)))
            for (index, group) in groups.enumerated() {
                let elements: [IonValue]
                switch group.content {
                case .list(let e), .sexp(let e): elements = e
                default: XCTFail("\(name) group \(index) is not a sequence"); continue
                }
                let embedded = group.annotations.first?.text == "embedded_documents"
                var documents: [[IonValue]] = []
                for element in elements {
                    if embedded {
                        guard case .string(let text) = element.content else {
                            XCTFail("\(name): embedded document is not a string"); continue
                        }
                        do {
                            documents.append(TextTestSupport.normalized(try TextTestSupport.read(text)))
                        } catch {
                            XCTFail("\(name): embedded document \(text.debugDescription) rejected: \(error)")
                        }
                    } else {
                        documents.append([TextTestSupport.normalized(element)])
                    }
                }
                for (i, document) in documents.enumerated().dropFirst() where document != documents[0] {
                    XCTFail("\(name) group \(index): element \(i) \(document) differs from \(documents[0])")
                }
                checkedGroups += 1
            }
        }
        print("text structural equivs: \(checkedGroups) groups in \(files.count) files")
    }
}
