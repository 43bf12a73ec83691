import XCTest
@testable import Ion

/// Struct field digests are ordered by a big-endian key of their first eight
/// bytes, and whole only when keys tie; this must equal the unsigned
/// lexicographic order Ion Hash defines, for every length and shared prefix.
final class DigestOrderTests: XCTestCase {
    /// Byte strings of 0–40 bytes from a small alphabet, so prefixes and whole strings repeat.
    private func strings(_ count: Int, _ rng: inout SplitMix64Random) -> [[UInt8]] {
        (0..<count).map { _ in
            let length = Int(rng.next() % 41)
            return (0..<length).map { _ in [0x00, 0x01, 0x7F, 0x80, 0xFF][Int(rng.next() % 5)] }
        }
    }

    private func sorted(_ strings: [[UInt8]], insertion: Bool) -> [[UInt8]] {
        let pointers = strings.map { bytes -> UnsafeMutableRawBufferPointer in
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
            copy.copyBytes(from: bytes)
            return copy
        }
        defer { pointers.forEach { $0.deallocate() } }
        var entries = pointers.map { SortEntry(UnsafeRawBufferPointer($0)) }
        entries.withUnsafeMutableBufferPointer { buffer in
            if insertion { SortEntry.insertionSort(buffer) } else { buffer.sort(by: SortEntry.precedes) }
        }
        return entries.map { Array($0.bytes) }
    }

    func testBothSortsAgreeWithLexicographicOrder() {
        var rng = SplitMix64Random(seed: 0x5EED_D16E)
        for round in 0..<400 {
            let input = strings(round % 40, &rng)
            let expected = input.sorted { $0.lexicographicallyPrecedes($1) }
            XCTAssertEqual(sorted(input, insertion: true), expected, "\(input)")
            XCTAssertEqual(sorted(input, insertion: false), expected, "\(input)")
        }
    }

    func testAShorterStringPrecedesItsExtensionsAndZeroPaddingDoesNotTie() {
        let cases: [[UInt8]] = [[], [0], [0, 0], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0, 0], [1], [1, 0], [0, 1]]
        let expected = cases.sorted { $0.lexicographicallyPrecedes($1) }
        XCTAssertEqual(sorted(cases.reversed(), insertion: true), expected)
        XCTAssertEqual(sorted(cases.reversed(), insertion: false), expected)
    }

    /// A struct hashes the same whatever its fields' order, with fewer fields
    /// than the insertion sort's limit and more.
    func testStructHashIgnoresFieldOrderAtEverySize() {
        for count in [0, 1, 2, 3, 16, 17, 40] {
            let fields = (0..<count).map { IonField(IonSymbol("f\($0)"), .int($0 % 3)) }
            let forward = IonValue(.struct(fields)).ionHash
            let backward = IonValue(.struct(fields.reversed())).ionHash
            XCTAssertEqual(forward, backward, "\(count) fields")
            // Identity "digests" are the fields' own bytes: sorted, and of varied length.
            let serialized = IonHasher(IdentityHashFunction()).hash(IonValue(.struct(fields.reversed())))
            let parts: [[UInt8]] = fields.map { Array(IonHasher(IdentityHashFunction()).hash(IonValue(.struct([$0]))).dropFirst(2).dropLast()) }
            let expected: [UInt8] = [0x0B, 0xD0] + parts.sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 } + [0x0E]
            XCTAssertEqual(serialized, expected, "\(count) fields")
        }
    }
}
