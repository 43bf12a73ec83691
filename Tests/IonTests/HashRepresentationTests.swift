import XCTest
@testable import Ion

/// The allocation-free representation writers against the plain definitions
/// (Ion binary spec: VarUInt, VarInt, signed-magnitude Int), at every width
/// boundary, and the word-at-a-time marker scan against a byte loop.
final class HashRepresentationTests: XCTestCase {
    /// Seven-bit groups, most significant first, end flag on the last.
    private func referenceVarUInt(_ value: UInt64) -> [UInt8] {
        var groups: [UInt8] = [UInt8(value & 0x7F) | 0x80]
        var rest = value >> 7
        while rest != 0 {
            groups.append(UInt8(rest & 0x7F))
            rest >>= 7
        }
        return groups.reversed()
    }

    /// As VarUInt, but the first byte keeps bit 6 for the sign.
    private func referenceVarInt(_ value: Int, negativeZero: Bool = false) -> [UInt8] {
        var magnitude = value.magnitude
        var groups: [UInt8] = [UInt8(magnitude & 0x7F)]
        magnitude >>= 7
        while magnitude != 0 {
            groups.append(UInt8(magnitude & 0x7F))
            magnitude >>= 7
        }
        if groups[groups.count - 1] & 0x40 != 0 { groups.append(0) }
        groups[0] |= 0x80
        if value < 0 || negativeZero { groups[groups.count - 1] |= 0x40 }
        return groups.reversed()
    }

    private func referenceSignedMagnitude(_ value: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        var m = value.magnitude
        while m != 0 {
            bytes.insert(UInt8(truncatingIfNeeded: m), at: 0)
            m >>= 8
        }
        if bytes.isEmpty { return [] }
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        if value < 0 { bytes[0] |= 0x80 }
        return bytes
    }

    /// 0, 1, and every 2^k - 1, 2^k, 2^k + 1 that fits.
    private var boundaries: [UInt64] {
        var values: [UInt64] = [0, 1, .max]
        for k in 1..<64 {
            let p = UInt64(1) << UInt64(k)
            values += [p - 1, p, p + 1]
        }
        return values
    }

    /// What a representation writes into the serializer's own byte stack (one
    /// eight-byte store at a time), after a byte already there.
    private func viaStack(_ write: (inout ByteStack.Writer) -> Void) -> [UInt8] {
        let stack = ByteStack(capacity: 16)
        stack.append(0xAA)
        var writer = ByteStack.Writer(stack)
        write(&writer)
        return Array(stack.bytes(from: 1))
    }

    func testVarUIntMatchesTheDefinition() {
        for v in boundaries {
            var out: [UInt8] = [0xAA]
            HashRepresentation.appendVarUInt(v, to: &out)
            XCTAssertEqual(out, [0xAA] + referenceVarUInt(v), "\(v)")
            XCTAssertEqual(viaStack { HashRepresentation.appendVarUInt(v, to: &$0) }, referenceVarUInt(v), "\(v)")
        }
    }

    func testVarIntMatchesTheDefinition() {
        for u in boundaries where u <= UInt64(Int.max) {
            for v in [Int(u), -Int(u)] {
                var out: [UInt8] = []
                HashRepresentation.appendVarInt(v, to: &out)
                XCTAssertEqual(out, referenceVarInt(v), "\(v)")
                XCTAssertEqual(viaStack { HashRepresentation.appendVarInt(v, to: &$0) }, referenceVarInt(v), "\(v)")
            }
        }
        var out: [UInt8] = []
        HashRepresentation.appendVarInt(Int.min, to: &out)
        XCTAssertEqual(out, referenceVarInt(Int.min))
        out = []
        HashRepresentation.appendVarInt(0, negativeZero: true, to: &out)
        XCTAssertEqual(out, [0xC0])
        XCTAssertEqual(viaStack { HashRepresentation.appendVarInt(Int.min, to: &$0) }, referenceVarInt(Int.min))
        XCTAssertEqual(viaStack { HashRepresentation.appendVarInt(0, negativeZero: true, to: &$0) }, [0xC0])
    }

    func testSignedMagnitudeMatchesTheDefinition() {
        for u in boundaries where u <= UInt64(Int64.max) {
            for v in [Int64(u), -Int64(u)] {
                var out: [UInt8] = []
                HashRepresentation.appendSignedMagnitude(.small(v), to: &out)
                XCTAssertEqual(out, referenceSignedMagnitude(v), "\(v)")
                XCTAssertEqual(viaStack { HashRepresentation.appendSignedMagnitude(.small(v), to: &$0) },
                               referenceSignedMagnitude(v), "\(v)")
            }
        }
        var out: [UInt8] = []
        HashRepresentation.appendSignedMagnitude(.small(.min), to: &out)
        XCTAssertEqual(out, [0x80, 0x80, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(viaStack { HashRepresentation.appendSignedMagnitude(.small(.min), to: &$0) }, [0x80, 0x80, 0, 0, 0, 0, 0, 0, 0])
        out = []
        HashRepresentation.appendSignedMagnitude(.small(0), negativeZero: true, to: &out)
        XCTAssertEqual(out, [0x80])
    }

    func testMarkerScanAgreesWithAByteLoop() {
        var rng = SystemRandomNumberGenerator()
        for length in 0..<40 {
            for _ in 0..<200 {
                // Mostly bytes near the markers, so every neighbour of 0x0B...0x0E is tried.
                let bytes = (0..<length).map { _ in Bool.random(using: &rng) ? UInt8.random(in: 0x08...0x10, using: &rng) : UInt8.random(in: 0...255, using: &rng) }
                let expected = bytes.contains { $0 == 0x0B || $0 == 0x0C || $0 == 0x0E }
                XCTAssertEqual(bytes.withUnsafeBytes { HashRepresentation.containsMarker($0) }, expected, "\(bytes)")
            }
        }
        // One marker among plain bytes, at every place of every length: the
        // overlapping last word and the short words' halves must each see it.
        for length in 1...40 {
            for at in 0..<length {
                for marker: UInt8 in [0x0B, 0x0C, 0x0E, 0x0D] {
                    var bytes = [UInt8](repeating: 0x41, count: length)
                    bytes[at] = marker
                    XCTAssertEqual(bytes.withUnsafeBytes { HashRepresentation.containsMarker($0) }, marker != 0x0D,
                                   "length \(length), at \(at), \(marker)")
                }
            }
        }
        for b in 0...255 {
            let bytes = [UInt8](repeating: 0x41, count: 8) + [UInt8(b)] + [UInt8](repeating: 0x41, count: 3)
            XCTAssertEqual(bytes.withUnsafeBytes { HashRepresentation.containsMarker($0) }, b == 0x0B || b == 0x0C || b == 0x0E, "\(b)")
        }
    }

    /// The escaping (sixteen bytes at a time in `CIonHash`, a byte loop for the
    /// tail) against a plain byte loop, at every length around the block size.
    func testEscapeAgreesWithAByteLoop() {
        var rng = SplitMix64Random(seed: 0xE5CA_9E)
        for length in 0...80 {
            for round in 0..<60 {
                // Half the rounds dense with markers and their neighbours, half sparse.
                let bytes: [UInt8] = (0..<length).map { _ in
                    let r = rng.next()
                    return round % 2 == 0 || r % 16 == 0 ? UInt8(0x0A + (r >> 8) % 6) : UInt8(truncatingIfNeeded: r >> 16)
                }
                var expected: [UInt8] = [0x0B, 0xA0]
                for b in bytes {
                    if b == 0x0B || b == 0x0C || b == 0x0E { expected.append(0x0C) }
                    expected.append(b)
                }
                expected.append(0x0E)
                XCTAssertEqual(IonHasher(IdentityHashFunction()).hash(.blob(bytes)), expected, "\(bytes)")
            }
        }
    }

    /// A 10,000-byte blob with markers at its ends and around 4 KB and 8 KB,
    /// escaped whole as a byte loop escapes it.
    func testEscapeOfALargeBlob() {
        var bytes = (0..<10_000).map { UInt8(0x41 + $0 % 26) }
        for at in [0, 4094, 4095, 4096, 4097, 8191, 8192, 9_999] { bytes[at] = [0x0B, 0x0C, 0x0E][at % 3] }
        var expected: [UInt8] = [0x0B, 0xA0]
        for b in bytes {
            if b == 0x0B || b == 0x0C || b == 0x0E { expected.append(0x0C) }
            expected.append(b)
        }
        expected.append(0x0E)
        XCTAssertEqual(IonHasher(IdentityHashFunction()).hash(.blob(bytes)), expected)
    }

    /// One marker among plain bytes, at every place of every length: the
    /// one-pass copy (`tally_ion_hash_append_escaped`) must escape it whether
    /// it falls in a short run's halves, a whole block, or the overlapping last
    /// block (whose bytes already written are rewritten only when it holds no marker).
    func testEscapeOfOneMarkerAtEveryPlace() {
        for length in 1...48 {
            for at in 0..<length {
                for marker: UInt8 in [0x0B, 0x0C, 0x0E, 0x0D] {
                    var bytes = (0..<length).map { UInt8(0x41 + $0 % 26) }
                    bytes[at] = marker
                    var expected: [UInt8] = [0x0B, 0xA0] + bytes[..<at]
                    if marker != 0x0D { expected.append(0x0C) }
                    expected += bytes[at...]
                    expected.append(0x0E)
                    XCTAssertEqual(IonHasher(IdentityHashFunction()).hash(.blob(bytes)), expected,
                                   "length \(length), at \(at), \(marker)")
                }
            }
        }
    }
}
