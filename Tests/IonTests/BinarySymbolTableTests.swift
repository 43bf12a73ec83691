import Ion
import XCTest

/// The binary writer's local symbol table: each text once, in the order the
/// encoder meets it writing back to front (first use reading from the end:
/// values last to first, each value before its annotations, a field's value
/// before its name), past the size where it stops searching linearly; the
/// ids it writes read back as the same values.
final class BinarySymbolTableTests: XCTestCase {
    func testManySymbolsRoundTripEachTextOnceInFirstUseOrder() throws {
        let names = (0..<40).map { "field\($0)" }
        var fields: [(String, IonValue)] = []
        for (i, name) in names.enumerated() {
            let value: IonValue = i % 3 == 0
                ? IonValue(.symbol(IonSymbol("sym\(i % 7)")), annotations: [IonSymbol("ann\(i % 5)")])
                : .struct([(names[(i * 7) % names.count], .int(i)), ("name", .string("system symbol as a field"))])
            fields.append((name, value))
        }
        let values: [IonValue] = [.struct(fields), .list([.symbol("field3"), .symbol("late")])]
        let bytes = IonBinaryWriter.write(values)
        XCTAssertEqual(try Ion.read(bytes), values)

        // The local texts in the order the back-to-front encoder meets them.
        var order: [String] = []
        func use(_ text: String) { if !order.contains(text) && text != "name" { order.append(text) } }
        func walk(_ v: IonValue) {
            switch v.content {
            case .symbol(let s): s.text.map(use)
            case .list(let items), .sexp(let items): items.reversed().forEach(walk)
            case .struct(let fs): for f in fs.reversed() { walk(f.value); f.name.text.map(use) }
            default: break
            }
            v.annotations.reversed().compactMap(\.text).forEach(use)
        }
        values.reversed().forEach(walk)
        XCTAssertGreaterThan(order.count, 16, "past the linear search")
        var positions: [Int] = []
        for text in order {
            let needle = Array(text.utf8)
            let hits = (0...(bytes.count - needle.count)).filter { i in
                Array(bytes[i..<(i + needle.count)]) == needle
                    && (i + needle.count == bytes.count || !isTextByte(bytes[i + needle.count]))
            }
            XCTAssertEqual(hits.count, 1, "\(text) is written once")
            positions.append(hits.first ?? -1)
        }
        XCTAssertEqual(positions, positions.sorted(), "texts in the order the encoder met them")
    }

    private func isTextByte(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x61...0x7A).contains(b) }

    func testSymbolsWithUnknownTextAreWrittenAsIdZero() throws {
        let value = IonValue(.struct([IonField(IonSymbol(unknownSID: 0), IonValue(.symbol(IonSymbol(unknownSID: 0))))]))
        let read = try Ion.read(IonBinaryWriter.write([value, .symbol("after")]))
        XCTAssertEqual(read.count, 2)
        XCTAssertEqual(read[1], IonValue.symbol("after"))
        guard case .struct(let fields) = read[0].content else { return XCTFail("not a struct") }
        XCTAssertNil(fields.first?.name.text)
    }
}
