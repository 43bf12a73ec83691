import XCTest
@testable import Ion

/// `BinaryDecoder.countChildren`: the number of values in a container body,
/// from their headers alone, which sizes the decoded array (allocated once).
/// It must equal what the decoder reads for every container that decodes,
/// and never read past the body for any input.
final class BinaryContainerCountTests: XCTestCase {
    private let ivm: [UInt8] = [0xE0, 0x01, 0x00, 0xEA]

    /// The count of the container whose descriptor is at `offset` of `bytes`
    /// (body length `length`, starting `header` bytes after the descriptor).
    private func count(_ bytes: [UInt8], at offset: Int, header: Int, length: Int, fields: Bool) -> Int {
        bytes.withUnsafeBufferPointer { buffer in
            var decoder = BinaryDecoder(buffer, maxDepth: 100)
            decoder.pos = offset + header
            return decoder.countChildren(end: offset + header + length, fields: fields)
        }
    }

    private func decodedCount(_ bytes: [UInt8]) throws -> Int {
        let values = try BinaryTestSupport.read(bytes)
        XCTAssertEqual(values.count, 1)
        switch values[0].content {
        case .list(let xs), .sexp(let xs): return xs.count
        case .struct(let fs): return fs.count
        default: XCTFail("not a container"); return -1
        }
    }

    func testEveryKindOfChildIsCountedAndPadsAreNot() throws {
        let cases: [(String, [UInt8], Int, Int, Bool)] = [
            // [1, <1-byte pad>, null, true]
            ("list with a pad, a null and a bool", [0xB5, 0x21, 0x01, 0x00, 0x0F, 0x11], 1, 5, false),
            // {name: "x", <pad>}
            ("struct with a pad field", [0xD5, 0x84, 0x81, 0x78, 0x85, 0x00], 1, 5, true),
            // [name::5, 0]
            ("list with an annotation wrapper", [0xB6, 0xE4, 0x81, 0x84, 0x21, 0x05, 0x20], 1, 6, false),
            // sorted struct {name: "x"}: length code 1, the length as a VarUInt
            ("sorted struct", [0xD1, 0x83, 0x84, 0x81, 0x78], 2, 3, true),
            // {name: "x"} with its length as a VarUInt padded with a zero byte
            ("length VarUInt with a leading zero", [0xDE, 0x00, 0x83, 0x84, 0x81, 0x78], 3, 3, true),
            // (1 "a" [] {}) as an s-expression, a field name VarUInt of two bytes inside the struct
            ("s-expression of mixed values", [0xC6, 0x21, 0x01, 0x81, 0x61, 0xB0, 0xD0], 1, 6, false),
            ("empty struct", [0xD0], 1, 0, true),
        ]
        for (what, container, header, length, fields) in cases {
            let bytes = ivm + container
            let decoded = try decodedCount(bytes)
            XCTAssertEqual(count(bytes, at: 4, header: header, length: length, fields: fields), decoded, what)
        }
        // A two-byte field name (sid 200) in a struct: {$200: 1} with a local symbol table is
        // beyond this test; the name's bytes are skipped by their high bits alone.
        XCTAssertEqual(count([0xD4, 0x01, 0xC8, 0x21, 0x01], at: 0, header: 1, length: 4, fields: true), 1)
    }

    /// Generated nested values: every container's count equals its decoded size
    /// (the decoder asserts it in debug builds); truncated and bit-flipped copies
    /// either decode or throw.
    func testGeneratedValuesAndDamagedCopies() throws {
        var rng = SplitMix64Random(seed: 11)
        for _ in 0..<200 {
            let value = randomValue(&rng, depth: 0)
            let bytes = Ion.writeBinary([value])
            XCTAssertEqual(try BinaryTestSupport.read(bytes), [value])
            for cut in stride(from: 4, to: bytes.count, by: max(1, bytes.count / 17)) {
                _ = try? BinaryTestSupport.read(Array(bytes[..<cut]))
            }
            for _ in 0..<8 {
                var damaged = bytes
                let i = 4 + Int(rng.next() % UInt64(bytes.count - 4))
                damaged[i] ^= UInt8(1 << (rng.next() % 8))
                _ = try? BinaryTestSupport.read(damaged)
            }
        }
    }

    private func randomValue(_ rng: inout SplitMix64Random, depth: Int) -> IonValue {
        let pick = depth > 3 ? rng.next() % 5 : rng.next() % 8
        switch pick {
        case 0: return .int(Int(rng.next() % 100_000))
        case 1: return .string(String(repeating: "s", count: Int(rng.next() % 40)))
        case 2: return IonValue(.null(.null))
        case 3: return .bool(rng.next() % 2 == 0)
        case 4: return IonValue(.int(IonInt(7)), annotations: [IonSymbol("name")])
        case 5, 6:
            let n = Int(rng.next() % 20)
            return .list((0..<n).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            let n = Int(rng.next() % 20)
            return IonValue(.struct((0..<n).map { i in IonField(IonSymbol("f\(i % 5)"), randomValue(&rng, depth: depth + 1)) }))
        }
    }
}
