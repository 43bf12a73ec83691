import XCTest
@testable import Ion

/// The Ion 1.0 conformance corpus (`Tests/Fixtures/ion`): every good file
/// reads and survives text↔binary round trips as an equivalent value, every
/// bad file is rejected, and the equivs / non-equivs sets hold.
final class ConformanceTests: XCTestCase {
    /// Files this implementation cannot read, with the reason. Only files
    /// that need a shared-symbol-table catalog may be listed.
    static let skipped: [String: String] = [:]

    func testGoodFilesRoundTripThroughBothFormats() throws {
        let files = SharedTestData.files(under: "ion/good")
        XCTAssertGreaterThan(files.count, 280, "corpus not found at \(SharedTestData.root.path)")
        var passed = 0
        var failures: [String] = []
        for file in files where Self.skipped[file] == nil {
            do {
                let original = try Ion.read(SharedTestData.bytes(file))
                let binary = Ion.writeBinary(original)
                let text = Ion.writeText(original)
                let pretty = Ion.writeText(original, pretty: true)
                let fromBinary = try Ion.read(binary)
                let fromText = try Ion.read(Array(text.utf8))
                let fromPretty = try Ion.read(Array(pretty.utf8))
                // text → binary → text and binary → text → binary
                let binaryThenText = try Ion.read(Array(Ion.writeText(fromBinary).utf8))
                let textThenBinary = try Ion.read(Ion.writeBinary(fromText))
                for (label, result) in [("binary", fromBinary), ("text", fromText), ("pretty", fromPretty),
                                        ("binary→text", binaryThenText), ("text→binary", textThenBinary)] {
                    if !equivalent(original, result) {
                        failures.append("\(file): \(label) round trip changed the data")
                    }
                }
                passed += 1
            } catch {
                failures.append("\(file): \(error)")
            }
        }
        print("ion conformance good: \(passed)/\(files.count) read, \(Self.skipped.count) skipped, \(failures.count) failures")
        XCTAssertEqual(failures, [])
    }

    func testBadFilesAreRejected() {
        let files = SharedTestData.files(under: "ion/bad")
        XCTAssertGreaterThan(files.count, 480)
        var accepted: [String] = []
        for file in files where Self.skipped[file] == nil {
            guard let bytes = try? SharedTestData.bytes(file) else { continue }
            do {
                _ = try Ion.read(bytes)
                accepted.append(file)
            } catch is IonError {
                continue
            } catch {
                accepted.append("\(file): threw a non-Ion error \(error)")
            }
        }
        print("ion conformance bad: \(files.count - accepted.count)/\(files.count) rejected")
        XCTAssertEqual(accepted, [])
    }

    func testEquivsAndNonEquivs() throws {
        var groups = 0
        var failures: [String] = []
        for (folder, wantEqual) in [("ion/good/equivs", true), ("ion/good/non-equivs", false)] {
            for file in SharedTestData.files(under: folder) {
                for (index, group) in try Ion.read(SharedTestData.bytes(file)).enumerated() {
                    let members = try elements(of: group)
                    groups += 1
                    for i in members.indices {
                        for j in members.indices where j != i {
                            let same = equivalent(members[i], members[j])
                            if same != wantEqual {
                                failures.append("\(file) group \(index): elements \(i) and \(j) \(wantEqual ? "differ" : "are equal")")
                            }
                        }
                    }
                }
            }
        }
        print("ion conformance equivs/non-equivs: \(groups) groups, \(failures.count) failures")
        XCTAssertGreaterThan(groups, 50)
        XCTAssertEqual(failures, [])
    }

    /// A group's members; an `embedded_documents` group holds Ion documents as strings.
    private func elements(of group: IonValue) throws -> [[IonValue]] {
        let items: [IonValue]
        switch group.content {
        case .list(let v), .sexp(let v): items = v
        default: throw IonError("equivs group is not a sequence", offset: 0)
        }
        if group.annotations.first?.text == "embedded_documents" {
            return try items.map { item in
                guard case .string(let text) = item.content else { throw IonError("embedded document is not a string", offset: 0) }
                return try Ion.read(text)
            }
        }
        return items.map { [$0] }
    }

    private func equivalent(_ a: [IonValue], _ b: [IonValue]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.isEquivalent(to: $1) }
    }
}
