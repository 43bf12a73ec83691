import Ion
import XCTest

/// Hand-built values of every type and edge case survive write → read unchanged.
final class BinaryRoundTripTests: XCTestCase {
    private func bigInt(negative: Bool, _ bytes: [UInt8]) -> IonInt {
        IonInt(negative: negative, magnitude: bytes[...])
    }

    private func assertRoundTrip(_ values: [IonValue], file: StaticString = #filePath, line: UInt = #line) {
        let bytes = IonBinaryWriter.write(values)
        XCTAssertEqual(Array(bytes.prefix(4)), [0xE0, 0x01, 0x00, 0xEA], file: file, line: line)
        do {
            let back = try BinaryTestSupport.read(bytes)
            XCTAssertEqual(BinaryTestSupport.normalized(back), BinaryTestSupport.normalized(values),
                           file: file, line: line)
        } catch {
            XCTFail("unreadable: \(error) \(BinaryTestSupport.hex(bytes))", file: file, line: line)
        }
    }

    var ints: [IonValue] {
        let list: [IonInt] = [
            0, 1, -1, 127, 128, 255, 256, -256, 65535, .small(Int64.max), .small(Int64.min), .small(Int64.min + 1),
            bigInt(negative: false, [0x80, 0, 0, 0, 0, 0, 0, 0]),  // Int64.max + 1
            bigInt(negative: true, [0x80, 0, 0, 0, 0, 0, 0, 1]),   // Int64.min - 1
            bigInt(negative: false, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
            bigInt(negative: false, [1] + [UInt8](repeating: 0, count: 8)),
            bigInt(negative: true, [UInt8](repeating: 0xAB, count: 40)),
        ]
        return list.map { IonValue(.int($0)) }
    }

    var floats: [IonValue] {
        [0.0, -0.0, 1.5, -2.25e-300, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
         Double(Float(3.25))].map { IonValue(.float($0)) }
    }

    var decimals: [IonValue] {
        let list: [IonDecimal] = [
            IonDecimal(coefficient: 0, exponent: 0),
            IonDecimal(coefficient: 0, exponent: 0, isNegativeZero: true),
            IonDecimal(coefficient: 0, exponent: 5),
            IonDecimal(coefficient: 0, exponent: -3, isNegativeZero: true),
            IonDecimal(coefficient: 10, exponent: -1),
            IonDecimal(coefficient: -10, exponent: -1),
            IonDecimal(coefficient: 128, exponent: 0),
            IonDecimal(coefficient: -123456, exponent: -3),
            IonDecimal(coefficient: 1, exponent: 1_000_000),
            IonDecimal(coefficient: 7, exponent: -1_000_000),
            IonDecimal(coefficient: .small(Int64.min), exponent: -2),
            IonDecimal(coefficient: .small(Int64.max), exponent: 2),
            IonDecimal(coefficient: bigInt(negative: true, [UInt8](repeating: 0x99, count: 20)), exponent: -30),
        ]
        return list.map { IonValue(.decimal($0)) }
    }

    var timestamps: [IonValue] {
        let millis = IonDecimal(coefficient: 0, exponent: -3)
        let nanos = IonDecimal(coefficient: 123_456_789, exponent: -9)
        let list: [IonTimestamp] = [
            IonTimestamp(year: 2024, precision: .year),
            IonTimestamp(year: 1, precision: .year),
            IonTimestamp(year: 9999, month: 12, precision: .month),
            IonTimestamp(year: 2024, month: 2, day: 29, precision: .day),
            IonTimestamp(year: 2024, month: 2, day: 29, hour: 23, minute: 59, offsetMinutes: 330, precision: .minute),
            IonTimestamp(year: 2024, month: 3, day: 1, hour: 0, minute: 15, offsetMinutes: 600, precision: .minute),
            IonTimestamp(year: 2023, month: 12, day: 31, hour: 23, minute: 59, offsetMinutes: -480, precision: .minute),
            IonTimestamp(year: 2023, month: 12, day: 31, hour: 23, minute: 59, offsetMinutes: nil, precision: .minute),
            IonTimestamp(year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 0, offsetMinutes: 0, precision: .second),
            IonTimestamp(year: 2000, month: 1, day: 1, hour: 0, minute: 0, second: 59, fraction: millis,
                         offsetMinutes: nil, precision: .second),
            IonTimestamp(year: 2011, month: 2, day: 20, hour: 19, minute: 30, second: 59, fraction: nanos,
                         offsetMinutes: -1439, precision: .second),
            IonTimestamp(year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59,
                         fraction: IonDecimal(coefficient: 999, exponent: -3), offsetMinutes: 1439, precision: .second),
            IonTimestamp(year: 1, month: 1, day: 1, hour: 0, minute: 0, second: 0,
                         fraction: IonDecimal(coefficient: bigInt(negative: false, [1] + [UInt8](repeating: 0, count: 11)),
                                              exponent: -30),
                         offsetMinutes: 0, precision: .second),
        ]
        return list.map { IonValue(.timestamp($0)) }
    }

    var textual: [IonValue] {
        [
            .string(""), .string("a"), .string("exactly 14 b.."), .string(String(repeating: "long ", count: 100)),
            .string("héllo wörld ✓ 😀 \u{0} \u{10FFFF}"),
            .symbol("a"), .symbol("name"), .symbol(""), .symbol("$ion_symbol_table"), .symbol("ünïcode 🙂"),
            IonValue(.symbol(IonSymbol(unknownSID: 0))),
            IonValue(.clob([])), IonValue(.clob([0, 0x7F, 0xFF])), .blob([]), .blob([UInt8](0 ... 255) + [1, 2, 3]),
        ]
    }

    var nulls: [IonValue] { IonType.allCases.map { IonValue(.null($0)) } }

    var containers: [IonValue] {
        [
            .list([]), IonValue(.sexp([])), .struct([]),
            .list([.int(1), .list([.list([])]), IonValue(.sexp([.symbol("+"), .int(1), .int(2)]))]),
            .struct([("a", .int(1)), ("a", .int(2)), ("b", .struct([("c", .list([.null]))]))]),
            IonValue(.struct([IonField(IonSymbol(unknownSID: 0), .bool(true)), IonField("name", .string("x"))])),
            .struct((0 ..< 40).map { ("field\($0)", .int($0)) }),
            IonValue(.int(1), annotations: ["a"]),
            IonValue(.int(1), annotations: ["a", "b", "name", "a", IonSymbol(unknownSID: 0)]),
            IonValue(.null(.struct), annotations: ["nothing"]),
            IonValue(.struct([]), annotations: ["empty"]),
            IonValue(.list([IonValue(.string("x"), annotations: ["inner"])]), annotations: ["outer"]),
            IonValue(.string(String(repeating: "z", count: 300)), annotations: (0 ..< 20).map { IonSymbol("ann\($0)") }),
        ]
    }

    func testEveryTypeAndEdgeCase() {
        assertRoundTrip(ints)
        assertRoundTrip(floats)
        assertRoundTrip(decimals)
        assertRoundTrip(timestamps)
        assertRoundTrip(textual)
        assertRoundTrip(nulls)
        assertRoundTrip(containers)
        assertRoundTrip([])
        let everything = ints + floats + decimals + timestamps + textual + nulls + containers
        assertRoundTrip(everything)
        assertRoundTrip([.list(everything), IonValue(.sexp(everything), annotations: ["all"])])
        assertRoundTrip([.struct(everything.enumerated().map { ("f\($0.offset % 7)", $0.element) })])
    }

    func testDeepNestingRoundTrips() {
        var value = IonValue.int(7)
        for level in 0 ..< 99 {
            value = level % 3 == 0 ? .list([value]) : level % 3 == 1 ? .struct([("k", value)]) : IonValue(.sexp([value]), annotations: ["s"])
        }
        assertRoundTrip([value])
    }

    func testSymbolTableOrderIsFirstUseFromTheEnd() throws {
        let bytes = IonBinaryWriter.write([IonValue(.struct([IonField("b", .symbol("c"))]), annotations: ["a"]), .symbol("b")])
        // $ion_symbol_table::{symbols:["b","c","a"]}: the encoder writes back to front
        let expectedTable = BinaryTestSupport.bytes(hex: "ec8183de8887b6816281638161")
        XCTAssertEqual(BinaryTestSupport.hex(Array(bytes[4 ..< 4 + expectedTable.count])),
                       BinaryTestSupport.hex(expectedTable))
        XCTAssertEqual(try BinaryTestSupport.read(bytes).count, 2)
    }
}
