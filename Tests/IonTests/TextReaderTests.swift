import Foundation
import XCTest
import Ion

/// Tricky cases of the Ion text reader, and where its errors point.
final class TextReaderTests: XCTestCase {
    private func read(_ text: String) throws -> [IonValue] { try TextTestSupport.read(text) }

    private func one(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> IonValue {
        let values = try read(text)
        XCTAssertEqual(values.count, 1, "expected one value from \(text)", file: file, line: line)
        return try XCTUnwrap(values.first, file: file, line: line)
    }

    private func error(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> IonError? {
        error(Array(text.utf8), file: file, line: line)
    }

    private func error(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> IonError? {
        do {
            let values = try TextTestSupport.read(bytes)
            XCTFail("accepted invalid input, read \(values)", file: file, line: line)
            return nil
        } catch let error as IonError {
            return error
        } catch {
            XCTFail("threw \(error), not IonError", file: file, line: line)
            return nil
        }
    }

    func testNullsBoolsAndKeywordsAsSymbols() throws {
        XCTAssertEqual(try read("null null.int null.struct true false"),
                       [.null, IonValue(.null(.int)), IonValue(.null(.struct)), .bool(true), .bool(false)])
        XCTAssertEqual(try one("'null'"), .symbol("null"))
        XCTAssertEqual(try one("nullable"), .symbol("nullable"))
        XCTAssertEqual(try one("'true'::1"), IonValue(.int(1), annotations: ["true"]))
        XCTAssertNotNil(error("null.ints"))
        XCTAssertNotNil(error("true::1"))
        XCTAssertNotNil(error("{null: 1}"))
    }

    func testInts() throws {
        XCTAssertEqual(try one("-9223372036854775808").content, .int(.small(Int64.min)))
        XCTAssertEqual(try one("0x7FFF_FFFF_FFFF_FFFF").content, .int(.small(Int64.max)))
        XCTAssertEqual(try one("-0b1010").content, .int(-10))
        XCTAssertEqual(try one("-0").content, .int(0))
        guard case .int(.big(let big)) = try one("123456789012345678901234567890").content else {
            return XCTFail("not a big int")
        }
        XCTAssertEqual(big.description, "123456789012345678901234567890")
        guard case .int(let hex) = try one("-0x1_0000_0000_0000_0000").content else { return XCTFail("not an int") }
        XCTAssertEqual(hex.description, "-18446744073709551616")
        for bad in ["007", "1_", "1__2", "0x", "-", "+1", "0x_1", "1a", "(1--2)"] {
            XCTAssertNotNil(error(bad), bad)
        }
    }

    func testDecimalsAndFloats() throws {
        XCTAssertEqual(try one("1.0").content, .decimal(IonDecimal(coefficient: 10, exponent: -1)))
        XCTAssertEqual(try one("1.00").content, .decimal(IonDecimal(coefficient: 100, exponent: -2)))
        XCTAssertEqual(try one("-0.").content, .decimal(IonDecimal(coefficient: 0, exponent: 0, isNegativeZero: true)))
        XCTAssertEqual(try one("12_3.4_5d-2").content, .decimal(IonDecimal(coefficient: 12345, exponent: -4)))
        XCTAssertEqual(try one("1D5").content, .decimal(IonDecimal(coefficient: 1, exponent: 5)))
        XCTAssertEqual(try one("2.5e0").content, .float(2.5))
        XCTAssertEqual(try one("1e+2").content, .float(100))
        guard case .float(let negZero) = try one("-0e0").content else { return XCTFail("not a float") }
        XCTAssertEqual(negZero.sign, .minus)
        guard case .float(let huge) = try one("1e400").content else { return XCTFail("not a float") }
        XCTAssertEqual(huge, .infinity)
        XCTAssertEqual(try read("+inf -inf").map(\.content), [.float(.infinity), .float(-.infinity)])
        guard case .float(let nan) = try one("nan").content else { return XCTFail("not a float") }
        XCTAssertTrue(nan.isNaN)
        XCTAssertNotNil(error("1d99999999999999999999"))
        XCTAssertNotNil(error("+infinity"))
    }

    func testTimestamps() throws {
        XCTAssertEqual(try one("2007T").content, .timestamp(IonTimestamp(year: 2007, precision: .year)))
        XCTAssertEqual(try one("2007-02T").content, .timestamp(IonTimestamp(year: 2007, month: 2, precision: .month)))
        XCTAssertEqual(try one("2008-02-29").content,
                       .timestamp(IonTimestamp(year: 2008, month: 2, day: 29, precision: .day)))
        XCTAssertEqual(try one("2008-02-29T").content,
                       .timestamp(IonTimestamp(year: 2008, month: 2, day: 29, precision: .day)))
        XCTAssertEqual(try one("2007-02-23T12:14-00:00").content,
                       .timestamp(IonTimestamp(year: 2007, month: 2, day: 23, hour: 12, minute: 14,
                                               offsetMinutes: nil, precision: .minute)))
        XCTAssertEqual(try one("2007-02-23T12:14:33.0790-08:30").content,
                       .timestamp(IonTimestamp(year: 2007, month: 2, day: 23, hour: 12, minute: 14, second: 33,
                                               fraction: IonDecimal(coefficient: 790, exponent: -4),
                                               offsetMinutes: -510, precision: .second)))
        XCTAssertEqual(try one("2007-02-23T12:14:33Z").content,
                       .timestamp(IonTimestamp(year: 2007, month: 2, day: 23, hour: 12, minute: 14, second: 33,
                                               offsetMinutes: 0, precision: .second)))
        for bad in ["2007-02-29", "2007-02", "0000T", "2007-13-01", "2007-01-01T24:00Z", "2007-01-01T12:00",
                    "2007-01-01T12:00+24:00", "2007-01-01T12:00z", "2007-01-01T12:00:00.Z", "2007-01-01Z",
                    "2007-01-01T12Z", "1900-02-29"] {
            XCTAssertNotNil(error(bad), bad)
        }
        XCTAssertNoThrow(try read("2000-02-29 2004-02-29T00:00Z"))
    }

    func testSymbolsAndSymbolTables() throws {
        XCTAssertEqual(try one("$0").content, .symbol(IonSymbol(unknownSID: 0)))
        XCTAssertEqual(try one("$4").content, .symbol("name"))
        XCTAssertEqual(try one("'hello world'").content, .symbol("hello world"))
        XCTAssertEqual(try one("''").content, .symbol(""))
        XCTAssertEqual(try one("( a+-b '+' )").content,
                       .sexp([.symbol("a"), .symbol("+-"), .symbol("b"), .symbol("+")]))
        XCTAssertEqual(try one("(a -1 - 1)").content, .sexp([.symbol("a"), .int(-1), .symbol("-"), .int(1)]))
        let e = try XCTUnwrap(error("$10"))
        XCTAssertEqual(e.offset, 0)
        XCTAssertEqual(try read("$ion_symbol_table::{symbols:[\"foo\", null, \"bar\"]} $10 $11 $12"),
                       [.symbol("foo"), IonValue(.symbol(IonSymbol(unknownSID: 11))), .symbol("bar")])
        // The version marker resets the table and is not returned; annotated, it is a plain symbol.
        XCTAssertNotNil(error("$ion_symbol_table::{symbols:[\"foo\"]} $ion_1_0 $10"))
        XCTAssertEqual(try read("$ion_1_0 a::$ion_1_0 '$ion_1_0' 1"),
                       [IonValue(.symbol("$ion_1_0"), annotations: ["a"]), .int(1)])
        XCTAssertNotNil(error("$ion_1_1"))
        XCTAssertNotNil(error("$ion_2_0"))
        XCTAssertEqual(try one("[$ion_1_1]").content, .list([.symbol("$ion_1_1")]))
        XCTAssertEqual(try one("(a::+ b::'-')").content,
                       .sexp([IonValue(.symbol("+"), annotations: ["a"]), IonValue(.symbol("-"), annotations: ["b"])]))
        // A missing shared table reserves max_id ids with unknown text, without materialising them.
        XCTAssertEqual(try read("""
            $ion_symbol_table::{imports:[{name:"x", version:1, max_id:2147483600}], symbols:["s"]}
            $2147483609 $2147483610
            """), [IonValue(.symbol(IonSymbol(unknownSID: 2147483609))), .symbol("s")])
        XCTAssertNotNil(error("$ion_symbol_table::{imports:[{name:\"x\", max_id:5}]} $15"))
        XCTAssertNotNil(error("+"))
        XCTAssertNotNil(error("[+]"))
        XCTAssertNotNil(error("a.b"))
    }

    func testStringsAndEscapes() throws {
        XCTAssertEqual(try one(#""a\tb\n\x41\u00e9\U0001F600\uD834\uDD1E\0\/\?""#).content,
                       .string("a\tb\nAé😀𝄞\0/?"))
        XCTAssertEqual(try one("'''ab''' /* c */ '''cd''' // e\n '''ef'''").content, .string("abcdef"))
        XCTAssertEqual(try one("'''a\r\nb\rc'''").content, .string("a\nb\nc"))
        XCTAssertEqual(try one("\"a\\\r\nb\"").content, .string("ab"))
        XCTAssertEqual(try one("{'''a''' '''b''': 1, \"c\": 2}").content,
                       .struct([IonField("ab", .int(1)), IonField("c", .int(2))]))
        for bad in ["\"a\nb\"", "\"\\e\"", "\"\\uD834\"", "\"\\uDD1E\"", "\"\\U00110000\"", "\"abc", "'''abc",
                    "\"\\x4\"", "\"a\u{1}\""] {
            XCTAssertNotNil(error(bad), bad.debugDescription)
        }
    }

    func testLobs() throws {
        XCTAssertEqual(try one("{{ aGVs\n bG8= }}").content, .blob(Array("hello".utf8)))
        XCTAssertEqual(try one("{{}}").content, .blob([]))
        XCTAssertEqual(try one("{{ \"a\\x80\\\"\" }}").content, .clob([0x61, 0x80, 0x22]))
        XCTAssertEqual(try one("{{ '''a''' '''b''' }}").content, .clob(Array("ab".utf8)))
        for bad in ["{{ aGVsbG8 }}", "{{ aGVsbG8=== }}", "{{ \"\\u0041\" }}", "{{ \"é\" }}", "{{ \"a\" \"b\" }}",
                    "{{ /* c */ \"a\" }}", "{{ aGVs } }", "{{ aGVsbA=x= }}"] {
            XCTAssertNotNil(error(bad), bad)
        }
    }

    func testContainersAndAnnotations() throws {
        XCTAssertEqual(try one("a::'b c'::[1, 2,]").annotations, ["a", "b c"])
        XCTAssertEqual(try one("{a:1, a:2, 'b':x::3,}").content,
                       .struct([IonField("a", .int(1)), IonField("a", .int(2)),
                                IonField("b", IonValue(.int(3), annotations: ["x"]))]))
        XCTAssertEqual(try one("(a (b) [c] {d:e})").content,
                       .sexp([.symbol("a"), IonValue(.sexp([.symbol("b")])), .list([.symbol("c")]),
                              .struct([("d", .symbol("e"))])]))
        for bad in ["[1 2]", "[,]", "{,}", "{a:1,,}", "{a}", "{a:}", "a::", "a : : b", "(1, 2)", "{a::b:c}",
                    "[1", "(", "{a:1", "]", "\"s\"::1", "(@::1)", "a::@"] {
            XCTAssertNotNil(error(bad), bad)
        }
    }

    func testErrorPositions() throws {
        let e = try XCTUnwrap(error("abc\n  [1, 2,, 3]"))
        XCTAssertEqual(e.offset, 12)
        XCTAssertEqual(e.line, 2)
        XCTAssertEqual(e.column, 9)
        let crlf = try XCTUnwrap(error("1\r\n2\r\n\"é\u{7}\""))
        XCTAssertEqual(crlf.line, 3)
        XCTAssertEqual(crlf.column, 3)
        let unterminated = try XCTUnwrap(error("[1,\n /* never closed"))
        XCTAssertEqual(unterminated.line, 2)
        XCTAssertEqual(unterminated.column, 2)
    }

    func testDepthLimit() throws {
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        XCTAssertNoThrow(try read(ok))
        let deep = String(repeating: "[", count: 101) + String(repeating: "]", count: 101)
        let e = try XCTUnwrap(error(deep))
        XCTAssertTrue(e.message.contains("deeper"), e.message)
        XCTAssertEqual(e.offset, 100)
        XCTAssertNotNil(error(String(repeating: "{a:(", count: 100_000)))
    }

    func testInvalidUTF8() throws {
        let e = try XCTUnwrap(error([0x22, 0x61, 0xFF, 0x22]))
        XCTAssertEqual(e.offset, 2)
        XCTAssertNotNil(error([0x22, 0xED, 0xA0, 0x80, 0x22]))      // surrogate
        XCTAssertNotNil(error([0x22, 0xC0, 0xAF, 0x22]))            // overlong
        XCTAssertNotNil(error([0x2F, 0x2F, 0xF4, 0x90, 0x80, 0x80])) // beyond U+10FFFF, in a comment
        XCTAssertNotNil(error("123 \u{120} 456"))                    // non-ASCII outside text
    }

    func testTruncatedInputNeverCrashes() throws {
        let text = """
        $ion_symbol_table::{symbols:["s"]} a::{b:[1, 2.5, -3e0, 4d-2, 0x1F, 0b11, 2007-02-23T12:14:33.079-08:00],
        c:(x + y "str" '''long''' {{aGVsbG8=}} {{"clob"}}), 'q\\'s':null.timestamp, $10:nan} // end
        """
        let bytes = Array(text.utf8)
        XCTAssertNoThrow(try TextTestSupport.read(bytes))
        for end in 0..<bytes.count {
            _ = try? TextTestSupport.read(Array(bytes[..<end]))
        }
    }

    /// Random byte mutations of every good file: reading returns or throws
    /// IonError, never crashes or hangs.
    func testMutatedInputNeverCrashes() throws {
        var rng = SplitMix64Random(seed: 0x1017)
        let alphabet = Array("{}[]()'\"\\/*:,.-+_0123456789abcdeTZx$ \n\r\u{0}".utf8) + [0x80, 0xC3, 0xFF]
        for url in TextTestSupport.ionFiles("good") {
            let original = [UInt8](try Data(contentsOf: url))
            guard !original.isEmpty else { continue }
            for _ in 0..<20 {
                var bytes = original
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let at = Int(rng.next() % UInt64(bytes.count))
                    switch rng.next() % 3 {
                    case 0: bytes[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    }
                    if bytes.isEmpty { break }
                }
                _ = try? TextTestSupport.read(bytes)
            }
        }
    }
}
