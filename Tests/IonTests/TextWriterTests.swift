import XCTest
import Ion

/// The Ion text writer's output forms, and round trips of awkward values.
final class TextWriterTests: XCTestCase {
    private func compact(_ values: [IonValue]) -> String { TextTestSupport.write(values, pretty: false) }

    private func assertRoundTrip(_ values: [IonValue], file: StaticString = #filePath, line: UInt = #line) {
        for pretty in [false, true] {
            let text = TextTestSupport.write(values, pretty: pretty)
            do {
                let again = try TextTestSupport.read(text)
                XCTAssertEqual(TextTestSupport.normalized(again), TextTestSupport.normalized(values),
                               "round trip of \(text)", file: file, line: line)
            } catch {
                XCTFail("written text \(text) rejected: \(error)", file: file, line: line)
            }
        }
    }

    func testCompactForm() {
        let value = IonValue.struct([("a", .int(1)), ("b", .list([.int(2), .int(3)]))])
        XCTAssertEqual(compact([value]), "{a:1,b:[2,3]}")
        XCTAssertEqual(compact([.int(1), .string("x"), IonValue(.sexp([.symbol("a"), .symbol("+"), .int(-2)]))]),
                       "1 \"x\" (a '+' -2)")
        XCTAssertEqual(compact([IonValue(.null(.int), annotations: ["a", "b c"]), .null]), "a::'b c'::null.int null")
        XCTAssertEqual(compact([.list([]), IonValue(.sexp([])), .struct([])]), "[] () {}")
    }

    func testPrettyForm() {
        let value = IonValue.struct([("a", .int(1)), ("b", .list([.int(2), .struct([])]))])
        XCTAssertEqual(TextTestSupport.write([value, .int(7)], pretty: true), """
        {
          a: 1,
          b: [
            2,
            {}
          ]
        }
        7
        """)
    }

    func testSymbolQuoting() {
        let names = ["null", "true", "false", "nan", "", "a b", "$1", "$ion_1_0", "$ion_symbol_table", "1a", "+",
                     "it's", "back\\slash", "tab\t", "é", "ok_$1", "$", "$a"]
        let written = compact(names.map { IonValue.symbol($0) })
        XCTAssertEqual(written, #"'null' 'true' 'false' 'nan' '' 'a b' '$1' '$ion_1_0' '$ion_symbol_table' '1a' '+' "#
                       + #"'it\'s' 'back\\slash' 'tab\t' 'é' ok_$1 $ $a"#)
        XCTAssertEqual(compact([IonValue(.symbol(IonSymbol(unknownSID: 0)))]), "$0")
        assertRoundTrip(names.filter { $0 != "$ion_1_0" }.map { IonValue.symbol($0) })
        assertRoundTrip([.struct(names.map { ($0, IonValue.int(1)) }), IonValue(.int(1), annotations: names.map { IonSymbol($0) })])
    }

    func testFloats() throws {
        XCTAssertEqual(compact([IonValue(.float(1.5)), IonValue(.float(-0.0)), IonValue(.float(.nan)),
                                IonValue(.float(.infinity)), IonValue(.float(-.infinity)), IonValue(.float(1e300))]),
                       "1.5e0 -0.0e0 nan +inf -inf 1e300")
        let samples: [Double] = [0.1, 1.0 / 3.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.leastNormalMagnitude,
                                 123456789.123, 1e22, 4503599627370497]
        let values = samples.map { IonValue(.float($0)) }
        let again = try TextTestSupport.read(compact(values))
        for (a, b) in zip(values, again) {
            guard case .float(let x) = a.content, case .float(let y) = b.content else { return XCTFail("not floats") }
            XCTAssertEqual(x.bitPattern, y.bitPattern)
        }
    }

    func testDecimalsIntsAndTimestamps() {
        let values: [IonValue] = [
            IonValue(.decimal(IonDecimal(coefficient: 0, exponent: -3, isNegativeZero: true))),
            IonValue(.decimal(IonDecimal(coefficient: 12345, exponent: -10))),
            IonValue(.decimal(IonDecimal(coefficient: 7, exponent: 3))),
            IonValue(.int(.small(Int64.min))), IonValue(.int(.small(Int64.max))), .int(0),
            IonValue(.timestamp(IonTimestamp(year: 7, precision: .year))),
            IonValue(.timestamp(IonTimestamp(year: 2007, month: 2, day: 23, hour: 1, minute: 2, second: 3,
                                             fraction: IonDecimal(coefficient: 50, exponent: -5),
                                             offsetMinutes: -90, precision: .second))),
            IonValue(.timestamp(IonTimestamp(year: 2007, month: 2, day: 23, hour: 1, minute: 2,
                                             offsetMinutes: nil, precision: .minute))),
        ]
        XCTAssertEqual(compact(values), "-0.000 0.0000012345 7d3 -9223372036854775808 9223372036854775807 0 "
                       + "0007T 2007-02-23T01:02:03.00050-01:30 2007-02-23T01:02-00:00")
        assertRoundTrip(values)
    }

    func testStringsAndLobs() {
        let values: [IonValue] = [
            .string("quote\" backslash\\ nl\n cr\r nul\0 bel\u{7} del\u{7F} é 😀 '''"),
            IonValue(.clob([0x00, 0x22, 0x5C, 0x7F, 0x80, 0xFF, 0x41])),
            .blob([]), .blob([1]), .blob([1, 2]), .blob([1, 2, 3]), .blob(Array(0...255)),
        ]
        XCTAssertEqual(compact([IonValue(.clob([0x41, 0x0A, 0x90])), .blob(Array("hello".utf8))]),
                       #"{{"A\n\x90"}} {{aGVsbG8=}}"#)
        assertRoundTrip(values)
    }
}
