import Ion
import XCTest

/// Exact encodings, reader edge cases, truncation, corruption and nesting limits.
final class BinaryEncodingTests: XCTestCase {
    private typealias T = BinaryTestSupport

    /// The bytes after the version marker for a single value using only system symbols.
    private func body(_ value: IonValue) -> String {
        T.hex(Array(IonBinaryWriter.write([value]).dropFirst(4)))
    }

    private func assertRejected(_ hex: String, _ why: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let values = try T.read(T.bytes(hex: hex))
            XCTFail("accepted \(why): \(values)", file: file, line: line)
        } catch {
            XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        }
    }

    func testStructStreamMatchesKnownBytes() throws {
        let bytes = IonBinaryWriter.write([.struct([("a", .int(1))])])
        XCTAssertEqual(T.hex(bytes), "e00100eae88183de8487b28161de838a2101")
        XCTAssertEqual(try T.read(bytes), [.struct([("a", .int(1))])])
        XCTAssertEqual(T.hex(IonBinaryWriter.write([])), "e00100ea")
    }

    func testScalarEncodings() {
        XCTAssertEqual(body(.null), "0f")
        XCTAssertEqual(body(IonValue(.null(.struct))), "df")
        XCTAssertEqual(body(IonValue(.null(.int))), "2f")
        XCTAssertEqual(body(.bool(true)), "11")
        XCTAssertEqual(body(.bool(false)), "10")
        XCTAssertEqual(body(.int(0)), "20")
        XCTAssertEqual(body(.int(1)), "2101")
        XCTAssertEqual(body(.int(-1)), "3101")
        XCTAssertEqual(body(.int(256)), "22 0100".replacingOccurrences(of: " ", with: ""))
        XCTAssertEqual(body(IonValue(.int(.small(Int64.min)))), "38" + "80" + String(repeating: "00", count: 7))
        XCTAssertEqual(body(IonValue(.int(.small(Int64.max)))), "28" + "7f" + String(repeating: "ff", count: 7))
        XCTAssertEqual(body(IonValue(.float(0))), "40")
        XCTAssertEqual(body(IonValue(.float(-0.0))), "48" + "80" + String(repeating: "00", count: 7))
        XCTAssertEqual(body(IonValue(.float(1.5))), "483ff8000000000000")
        XCTAssertEqual(body(IonValue(.decimal(IonDecimal(coefficient: 0, exponent: 0)))), "50")
        XCTAssertEqual(body(IonValue(.decimal(IonDecimal(coefficient: 0, exponent: 0, isNegativeZero: true)))), "528080")
        XCTAssertEqual(body(IonValue(.decimal(IonDecimal(coefficient: 10, exponent: -1)))), "52c10a")
        XCTAssertEqual(body(IonValue(.decimal(IonDecimal(coefficient: -10, exponent: -1)))), "52c18a")
        XCTAssertEqual(body(IonValue(.decimal(IonDecimal(coefficient: 128, exponent: 0)))), "53800080")
        XCTAssertEqual(body(IonValue(.decimal(IonDecimal(coefficient: 0, exponent: 5)))), "5185")
        XCTAssertEqual(body(IonValue(.timestamp(IonTimestamp(year: 2000, precision: .year)))), "63c00fd0")
        XCTAssertEqual(body(IonValue(.timestamp(IonTimestamp(year: 2000, month: 1, day: 1, offsetMinutes: 0,
                                                             precision: .minute)))), "67800fd081818080")
        // 2000-01-01T01:00+01:00 is stored as UTC midnight with offset +60 (VarInt 00 bc).
        XCTAssertEqual(body(IonValue(.timestamp(IonTimestamp(year: 2000, month: 1, day: 1, hour: 1, offsetMinutes: 60,
                                                             precision: .minute)))), "67bc0fd081818080")
        XCTAssertEqual(body(IonValue(.timestamp(IonTimestamp(year: 2000, month: 1, day: 1, fraction: IonDecimal(coefficient: 0, exponent: -3),
                                                             precision: .second)))), "69c00fd08181808080c3")
        XCTAssertEqual(body(IonValue(.symbol(IonSymbol(unknownSID: 0)))), "70")
        XCTAssertEqual(body(IonValue(.symbol(IonSymbol(unknownSID: 42)))), "70")
        XCTAssertEqual(body(.symbol("name")), "7104")
        XCTAssertEqual(body(.string("")), "80")
        XCTAssertEqual(body(.string("abcdefghijklmn")), "8e8e6162636465666768696a6b6c6d6e")
        XCTAssertEqual(body(.blob([1, 2])), "a20102")
        XCTAssertEqual(body(IonValue(.clob([0x41]))), "9141")
        XCTAssertEqual(body(.list([])), "b0")
        XCTAssertEqual(body(IonValue(.sexp([.int(1)]))), "c22101")
        XCTAssertEqual(body(.struct([])), "d0")
        XCTAssertEqual(body(IonValue(.int(1), annotations: ["name"])), "e481842101")
        XCTAssertEqual(body(.struct([("name", .bool(true))])), "de828411")
    }

    func testReaderEdgeCases() throws {
        // Sorted struct (L=1) with a VarUInt length.
        XCTAssertEqual(try T.read(T.bytes(hex: "e00100ea d1 82 84 20")), [.struct([("name", .int(0))])])
        // NOP pads: top level, in a list, in a struct with a field name, and a 16-byte pad (L=14).
        XCTAssertEqual(try T.read(T.bytes(hex: "e00100ea 00 b3 01ff 11 d4 85 00 84 11 0e8e" + String(repeating: "00", count: 14))),
                       [.list([.bool(true)]), .struct([("name", .bool(true))])])
        // Padded int magnitude and a padded (non-minimal) VarUInt length.
        XCTAssertEqual(try T.read(T.bytes(hex: "e00100ea 23 000001 8e 00 81 61")), [.int(1), .string("a")])
        // Negative-zero decimal and a 4-byte float.
        XCTAssertEqual(try T.read(T.bytes(hex: "e00100ea 51 80 52 80 80 44 3fc00000")),
                       [IonValue(.decimal(IonDecimal(coefficient: 0, exponent: 0))),
                        IonValue(.decimal(IonDecimal(coefficient: 0, exponent: 0, isNegativeZero: true))),
                        IonValue(.float(1.5))])
        // A missing shared import reserves ids with unknown text.
        var table = IonValue.struct([
            ("imports", .list([.struct([("name", .string("com.example.missing")), ("version", .int(1)), ("max_id", .int(2))])])),
            ("symbols", .list([.string("x")])),
        ])
        table.annotations = ["$ion_symbol_table"]
        let stream = IonBinaryWriter.write([table]) + T.bytes(hex: "710a 710c")
        XCTAssertEqual(try T.read(stream), [IonValue(.symbol(IonSymbol(unknownSID: 10))), .symbol("x")])
        // A later version marker resets the symbol table.
        let withLocal = IonBinaryWriter.write([.symbol("local")])
        XCTAssertEqual(try T.read(withLocal + T.bytes(hex: "e00100ea 7104")), [.symbol("local"), .symbol("name")])
        assertRejected(T.hex(withLocal) + "e00100ea710a", "sid 10 after the table was reset")
        // An appending table (imports: $ion_symbol_table) keeps earlier local symbols.
        var append = IonValue.struct([("imports", .symbol("$ion_symbol_table")), ("symbols", .list([.string("more")]))])
        append.annotations = ["$ion_symbol_table"]
        let appended = Array(withLocal.dropLast(2)) + Array(IonBinaryWriter.write([append]).dropFirst(4)) + T.bytes(hex: "710a 710b")
        XCTAssertEqual(try T.read(appended), [.symbol("local"), .symbol("more")])
    }

    func testMalformedInputIsRejected() {
        assertRejected("", "empty input")
        assertRejected("e00100", "truncated marker")
        assertRejected("e00200ea", "Ion 2.0 marker")
        assertRejected("e00100ea e00101ea", "later marker with another version")
        assertRejected("e00100ea 3100", "negative zero int")
        assertRejected("e00100ea 30", "negative zero int, empty")
        assertRejected("e00100ea d180", "empty sorted struct")
        assertRejected("e00100ea 8e" + String(repeating: "7f", count: 30) + "ff", "VarUInt overflow")
        assertRejected("e00100ea 8e 7f7f7f7f7f7f7f7f ff", "huge length")
        assertRejected("e00100ea 5e 7f7f7f7f7f7f7f7f7f7f7f ff", "huge decimal length")
        assertRejected("e00100ea 52 " + "00", "decimal exponent runs off the value")
        assertRejected("e00100ea 82 c3 28", "invalid UTF-8")
        assertRejected("e00100ea 83 eda080", "UTF-8 surrogate")
        assertRejected("e00100ea 710a", "unmapped symbol")
        assertRejected("e00100ea 79 0100000000000000ff", "enormous symbol id")
        assertRejected("e00100ea 43 000000", "3-byte float")
        assertRejected("e00100ea 12", "bool with length 2")
        assertRejected("e00100ea f0", "reserved type 15")
        assertRejected("e00100ea e3 81 84 e0", "nested wrapper")
        assertRejected("e00100ea e4 81 84 0100", "wrapped NOP pad")
        assertRejected("e00100ea e3 80 2101", "zero annotations")
        assertRejected("e00100ea b3 e3 81 84", "wrapper with no value")
        assertRejected("e00100ea 66 80 0fd0 81 81 80", "hour without minute")
        assertRejected("e00100ea 65 80 0fd0 8d 81", "month 13")
        assertRejected("e00100ea 64 80 0fd0 82 9e".replacingOccurrences(of: "64", with: "65"), "February 30")
        assertRejected("e00100ea 63 80 80 80".replacingOccurrences(of: "63 80 80 80", with: "62 80 80"), "year 0")
        assertRejected("e00100ea 68 2bc0 0fd0 81 81 98 80", "offset over a day")
        assertRejected("e00100ea 68 80 0fd0 81 81 80 80 bc", "second 60")
        assertRejected("e00100ea 6a 80 0fd0 81 81 80 80 80 c1 0a", "fraction 1.0")
        assertRejected("e00100ea 6a 80 0fd0 81 81 80 80 80 c1 81", "negative fraction")
        assertRejected("e00100ea b1 2101", "child longer than list")
        assertRejected("e00100ea d3 84 20 84", "struct field with no value")
        assertRejected("e00100ea d2 0a 20", "unmapped field name")
    }

    func testTruncationAtEveryOffsetRaisesIonError() throws {
        // One top-level container and no local symbols, so every strict prefix but the bare marker is invalid.
        let value = IonValue.list([
            .int(1), IonValue(.int(.small(Int64.min))), IonValue(.float(2.5)), IonValue(.decimal(IonDecimal(coefficient: -5, exponent: -2))),
            IonValue(.timestamp(IonTimestamp(year: 2024, month: 5, day: 6, hour: 7, minute: 8, second: 9,
                                             fraction: IonDecimal(coefficient: 123, exponent: -3), offsetMinutes: -300, precision: .second))),
            .symbol("name"), .string("a string longer than fourteen bytes"), .blob([1, 2, 3]),
            .struct([("name", .list([.bool(true), .null])), ("version", IonValue(.int(3), annotations: ["symbols", "imports"]))]),
            IonValue(.sexp([])),
        ])
        let stream = IonBinaryWriter.write([value])
        XCTAssertEqual(try T.read(stream), [value])
        for length in 0 ..< stream.count where length != 4 {
            do {
                _ = try T.read(Array(stream[..<length]))
                XCTFail("prefix of \(length) bytes accepted")
            } catch {
                XCTAssertLessThanOrEqual(error.offset, max(length, 4))
            }
        }
    }

    func testCorruptedStreamsNeverCrash() {
        let valid = IonBinaryWriter.write([
            .struct([("id", .int(123_456)), ("who", .string("alice")), ("tags", .list([.symbol("x"), .symbol("y")]))]),
            IonValue(.decimal(IonDecimal(coefficient: 1999, exponent: -2)), annotations: ["usd"]),
            IonValue(.timestamp(IonTimestamp(year: 2020, month: 1, day: 2, hour: 3, minute: 4, offsetMinutes: 0, precision: .minute))),
        ])
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var accepted = 0
        var rejected = 0
        for _ in 0 ..< 20_000 {
            var bytes = valid
            for _ in 0 ... Int(next() % 3) {
                let index = 4 + Int(next() % UInt64(bytes.count - 4))
                bytes[index] = UInt8(truncatingIfNeeded: next())
            }
            if next() % 4 == 0 { bytes.removeLast(Int(next() % UInt64(bytes.count - 4))) }
            do {
                _ = try T.read(bytes)
                accepted += 1
            } catch {
                rejected += 1
            }
        }
        print("binary corruption: \(accepted) accepted, \(rejected) rejected")
        XCTAssertEqual(accepted + rejected, 20_000)
    }

    func testNestingLimit() throws {
        func nested(_ depth: Int) -> IonValue {
            var value = IonValue.int(1)
            for _ in 0 ..< depth { value = .list([value]) }
            return value
        }
        XCTAssertEqual(try T.read(IonBinaryWriter.write([nested(100)])).count, 1)
        XCTAssertThrowsError(try T.read(IonBinaryWriter.write([nested(101)]))) { error in
            XCTAssertTrue((error as? IonError)?.message.contains("nested") == true, "\(error)")
        }
        XCTAssertThrowsError(try T.read(IonBinaryWriter.write([nested(11)]), maxDepth: 10))
        XCTAssertEqual(try T.read(IonBinaryWriter.write([nested(10)]), maxDepth: 10).count, 1)
        // Twice the limit, inside a struct. (2,000 levels overflowed the 8 MiB main-thread stack in the
        // recursive writer under AddressSanitizer, whose frames are several times larger: scripts/sanitize.)
        XCTAssertThrowsError(try T.read(IonBinaryWriter.write([.struct([("name", nested(200))])])))
        // Raw bytes: 100,000 nested lists, built back to front.
        var reversed: [UInt8] = [0xB0]
        for _ in 0 ..< 100_000 {
            let length = reversed.count
            if length < 14 {
                reversed.append(0xB0 | UInt8(length))
                continue
            }
            var rest = length
            reversed.append(UInt8(rest & 0x7F) | 0x80)
            rest >>= 7
            while rest > 0 {
                reversed.append(UInt8(rest & 0x7F))
                rest >>= 7
            }
            reversed.append(0xBE)
        }
        let raw = Array(reversed.reversed())
        XCTAssertThrowsError(try T.read([0xE0, 0x01, 0x00, 0xEA] + raw))
    }
}
