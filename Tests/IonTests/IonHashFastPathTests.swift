import CIonHash
import XCTest
@testable import Ion

/// The two shortcuts of hashing a document: a struct's SHA-256 field digests
/// sorted and escaped in one C call (on AVX-512 VBMI2 where the processor has
/// it), and strings read where they lie. Each against the plain way.
final class IonHashFastPathTests: XCTestCase {
    /// Digests dense with markers and their neighbours, some sharing their
    /// first eight bytes (ties the key cannot break), some equal whole.
    private func digests(_ count: Int, _ rng: inout SplitMix64Random) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for _ in 0..<count {
            let r = rng.next()
            if !out.isEmpty && r % 7 == 0 {
                out.append(out[Int(rng.next() % UInt64(out.count))])   // equal whole
                continue
            }
            var digest = (0..<32).map { _ -> UInt8 in
                let b = rng.next()
                return b % 3 == 0 ? UInt8(0x0A + (b >> 8) % 6) : UInt8(truncatingIfNeeded: b >> 16)
            }
            if !out.isEmpty && r % 5 == 0 {
                digest.replaceSubrange(0..<8, with: out[Int(rng.next() % UInt64(out.count))][0..<8])   // key tie
            }
            out.append(digest)
        }
        return out
    }

    private func expected(_ digests: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for digest in digests.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            for b in digest {
                if b == 0x0B || b == 0x0C || b == 0x0E { out.append(0x0C) }
                out.append(b)
            }
        }
        return out
    }

    /// What a C call wrote into room for 64 bytes a digest, followed by
    /// sixteen guard bytes that must stay as they were.
    private func written(_ digests: [[UInt8]], _ call: (UnsafePointer<UInt8>, Int, UnsafeMutablePointer<UInt8>) -> Int) -> [UInt8] {
        let input = digests.flatMap { $0 }
        var out = [UInt8](repeating: 0xA5, count: 64 * digests.count + 16)
        let count = input.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { call(input.baseAddress ?? UnsafePointer(bitPattern: 32)!, digests.count, $0.baseAddress!) }
        }
        XCTAssertTrue(out[count...].allSatisfy { $0 == 0xA5 }, "wrote past its \(count) bytes")
        return Array(out[..<count])
    }

    /// Zero to forty digests (past the sixteen placed by rank), both ways.
    func testSortedDigestsAgreeWithSortingAndEscapingByteByByte() {
        XCTAssertEqual(tally_ion_hash_sorted_digests_are_wide(), tally_ion_hash_wide_escaping_available())
        var rng = SplitMix64Random(seed: 0xD16E_57)
        for round in 0..<1_500 {
            let input = digests(round % 41, &rng)
            let want = expected(input)
            XCTAssertEqual(written(input) { tally_ion_hash_append_sorted_digests($0, $1, $2) }, want, "round \(round)")
            XCTAssertEqual(written(input) { tally_ion_hash_append_sorted_digests_narrow($0, $1, $2) }, want, "round \(round)")
        }
    }

    /// Every marker at every place of one digest, and a digest of nothing but markers.
    func testEveryMarkerAtEveryPlaceOfADigest() {
        for at in 0..<32 {
            for marker: UInt8 in [0x0B, 0x0C, 0x0D, 0x0E] {
                var digest = (0..<32).map { UInt8(0x41 + $0) }
                digest[at] = marker
                let other = [UInt8](repeating: 0x0C, count: 32)
                let want = expected([digest, other])
                XCTAssertEqual(written([other, digest]) { tally_ion_hash_append_sorted_digests($0, $1, $2) }, want, "at \(at), \(marker)")
                XCTAssertEqual(written([other, digest]) { tally_ion_hash_append_sorted_digests_narrow($0, $1, $2) }, want)
            }
        }
    }

    /// This platform's strings lie as `StringInPlace` reads them; if a
    /// standard library changes that, hashing reads strings the slow way and
    /// this says so.
    func testStringLayoutHoldsHere() {
        XCTAssertTrue(StringInPlace.layoutHolds)
        for length in 0...40 {
            let text = String(repeating: "é", count: length / 2) + String(repeating: "a", count: length % 2)
            let found = withUnsafeBytes(of: text) { StringInPlace.at($0.baseAddress!) }
            XCTAssertEqual(found?.bytes, Array(text.utf8), "\(length) bytes")
            if case .small = found { XCTAssertLessThanOrEqual(length, 15) }
        }
        XCTAssertNil(withUnsafeBytes(of: IonSymbol(unknownSID: 3)) { StringInPlace.at($0.baseAddress! + StringInPlace.textOffset) })
    }

    private func serialized(_ value: IonValue, inPlace: Bool) -> [UInt8] {
        let serializer = IonHashSerializer(function: IdentityHashFunction(), readsStringsInPlace: inPlace)
        serializer.serialize(value)
        return Array(serializer.out.bytes())
    }

    private func sha256(_ value: IonValue, inPlace: Bool) -> [UInt8] {
        let serializer = IonHashSerializer(function: SHA256HashFunction(), readsStringsInPlace: inPlace)
        serializer.serialize(value)
        return SHA256.hash(Array(serializer.out.bytes()))
    }

    /// Texts of 0–40 bytes (and some of 100), markers and multi-byte
    /// characters among them, as field names, strings, symbols and
    /// annotations: read in place, read through `String.utf8`, and hashed from
    /// binary, the bytes are the same.
    func testStringsReadInPlaceHashAsReadThroughUTF8() throws {
        let pieces = ["a", "Z", "\u{0B}", "\u{0C}", "\u{0D}", "\u{0E}", "é", "日", " "]
        var rng = SplitMix64Random(seed: 0x57A1)
        for round in 0..<800 {
            func text() -> String {
                var text = ""
                let length = rng.next() % 16 == 0 ? 100 : Int(rng.next() % 41)
                while text.utf8.count < length { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
                return text
            }
            let fields = (0..<Int(rng.next() % 6)).map { _ -> IonField in
                let value: IonValue = rng.next() % 2 == 0 ? .string(text()) : IonValue(.symbol(IonSymbol(text())))
                return IonField(IonSymbol(text()), rng.next() % 4 == 0 ? IonValue(value.content, annotations: [IonSymbol(text())]) : value)
            }
            let value = IonValue(.list([IonValue(.struct(fields)), .string(text()), IonValue(.symbol(IonSymbol(unknownSID: 0)))]))
            let plain = serialized(value, inPlace: false)
            XCTAssertEqual(serialized(value, inPlace: true), plain, "round \(round): \(value)")
            XCTAssertEqual(sha256(value, inPlace: true), sha256(value, inPlace: false), "round \(round)")
            XCTAssertEqual(try Ion.sha256Hashes(ofBinary: Ion.writeBinary([value])), [value.ionHash], "round \(round)")
        }
    }

    /// Strings' escaped bytes, by hand: each marker after a 0x0C.
    func testStringsOfMarkersAreEscaped() {
        let value = IonValue.string("a\u{0B}\u{0C}\u{0E}b")
        XCTAssertEqual(serialized(value, inPlace: true), [0x0B, 0x80, 0x61, 0x0C, 0x0B, 0x0C, 0x0C, 0x0C, 0x0E, 0x62, 0x0E])
        XCTAssertEqual(serialized(.symbol("fifteen bytes!!"), inPlace: true), [0x0B, 0x70] + Array("fifteen bytes!!".utf8) + [0x0E])
        XCTAssertEqual(serialized(.string(""), inPlace: true), [0x0B, 0x80, 0x0E])
        let long = String(repeating: "\u{0E}x", count: 20)
        XCTAssertEqual(serialized(.string(long), inPlace: true), [0x0B, 0x80] + Array(repeating: [0x0C, 0x0E, 0x78], count: 20).flatMap { $0 } + [0x0E])
    }

    /// Timestamps written as one word (offset and fields a byte each, the year
    /// two) against each field written on its own: every precision, offsets
    /// unknown, zero, within and past an hour, years past two bytes and under
    /// one, local times that cross a day, a month or a year in UTC.
    func testTimestampsWrittenAsOneWordAgreeWithFieldByField() {
        var rng = SplitMix64Random(seed: 0x7135)
        let precisions: [IonTimestamp.Precision] = [.year, .month, .day, .minute, .second]
        let offsets: [Int?] = [nil, 0, 1, -1, 63, -63, 64, -64, 330, -600, 1439, -1439]
        for round in 0..<20_000 {
            let year = [1, 127, 128, 1999, 2024, 9999][Int(rng.next() % 6)]
            let fraction: IonDecimal? = rng.next() % 3 == 0 ? nil
                : IonDecimal(coefficient: IonInt(Int(rng.next() % 1_000_000)), exponent: -Int(rng.next() % 7))
            let t = IonTimestamp(year: year, month: 1 + Int(rng.next() % 12), day: 1 + Int(rng.next() % 28),
                                 hour: Int(rng.next() % 24), minute: Int(rng.next() % 60), second: Int(rng.next() % 60),
                                 fraction: fraction, offsetMinutes: offsets[Int(rng.next() % UInt64(offsets.count))],
                                 precision: precisions[Int(rng.next() % 5)])
            var fast: [UInt8] = []
            var plain: [UInt8] = []
            HashRepresentation.timestamp(t, to: &fast)
            HashRepresentation.timestampFieldByField(t, to: &plain)
            XCTAssertEqual(fast, plain, "round \(round): \(t)")
        }
    }
}
