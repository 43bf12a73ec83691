import Ion
import XCTest

/// A stream built back to front with a preset reads as the value the tree
/// encoder writes: preset and other field names, nested containers, empty
/// ones, annotations, and more symbols than the interner searches linearly.
final class IonBinaryBuilderTests: XCTestCase {
    let preset = IonSymbolPreset(["alpha", "beta"])

    func testAStructOfPresetAndOtherNames() throws {
        var w = IonBinaryBuilder(preset: preset)
        let top = w.position
        let list = w.position
        w.write(.struct([]))
        w.write(IonValue(.symbol("gamma"), annotations: ["delta", "alpha"]))
        w.closeList(since: list)
        w.writeFieldName("gamma")
        let empty = w.position
        w.closeList(since: empty)
        w.writeFieldName(id: preset.id("beta"))
        w.write(.string("one"))
        w.writeFieldName(id: preset.id("alpha"))
        w.closeStruct(since: top)
        w.annotate(since: top, with: "note")
        var expected = IonValue.struct([("alpha", .string("one")), ("beta", .list([])),
                                        ("gamma", .list([IonValue(.symbol("gamma"), annotations: ["delta", "alpha"]), .struct([])]))])
        expected.annotations = ["note"]
        let bytes = w.finish()
        XCTAssertEqual(try Ion.read(bytes), [expected])
        // A preset text met in a value (the annotation "alpha") keeps its preset id: listed once.
        let alpha = Array("alpha".utf8)
        XCTAssertEqual((0...(bytes.count - alpha.count)).filter { Array(bytes[$0..<($0 + alpha.count)]) == alpha }.count, 1)
        XCTAssertEqual(try Ion.read(Ion.writeBinary([expected])), [expected])
    }

    /// A builder is a value: a copy written to does not change the original (they share bytes until then).
    func testACopyOfABuilderIsItsOwn() throws {
        var first = IonBinaryBuilder(preset: preset)
        let top = first.position
        first.write(.string("one"))
        first.writeFieldName(id: preset.id("alpha"))
        var second = first
        second.write(.int(2))
        second.writeFieldName(id: preset.id("beta"))
        second.closeStruct(since: top)
        first.closeStruct(since: top)
        XCTAssertEqual(try Ion.read(first.finish()), [.struct([("alpha", .string("one"))])])
        XCTAssertEqual(try Ion.read(second.finish()), [.struct([("beta", .int(2)), ("alpha", .string("one"))])])
    }

    func testManySymbolsAndSeveralTopLevelValues() throws {
        let values: [IonValue] = (0..<3).map { v in
            .struct((0..<30).map { ("name\(($0 * 7 + v) % 45)", IonValue(.symbol(IonSymbol("s\($0 % 20)")))) })
        }
        var w = IonBinaryBuilder(preset: preset)
        for value in values.reversed() { w.write(value) }
        XCTAssertEqual(try Ion.read(w.finish()), values)
    }

    func testNothingWritten() throws {
        XCTAssertEqual(try Ion.read(IonBinaryBuilder(preset: preset).finish()), [])
        XCTAssertEqual(try Ion.read(IonBinaryBuilder(preset: IonSymbolPreset([])).finish()), [])
    }
}
