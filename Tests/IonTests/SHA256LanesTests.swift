import CIonHash
import XCTest
@testable import Ion

/// `tally_sha256_each` (a struct's field digests two at a time on the SHA
/// extensions) against OpenSSL, message by message, and Ion Hash through it
/// against Ion Hash with OpenSSL alone and with digests taken one by one.
final class SHA256LanesTests: XCTestCase {
    private func skipWithoutExtensions() throws {
        try XCTSkipUnless(SHA256.extensionsOnThisProcessor, "this processor has no SHA extensions")
    }

    /// The digests of `lengths` laid end to end in random bytes, followed by
    /// `ionHashReadAhead` bytes of noise that must not change them.
    private func eachDigest(_ lengths: [Int], _ generator: inout SplitMix64Random) -> (bytes: [UInt8], digests: [[UInt8]]) {
        let total = lengths.reduce(0, +)
        var bytes = (0..<total + ionHashReadAhead).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        var starts: [Int] = []
        var at = 0
        for length in lengths {
            starts.append(at)
            at += length
        }
        var out = [UInt8](repeating: 0, count: 32 * lengths.count)
        bytes.withUnsafeBufferPointer { input in
            starts.withUnsafeBufferPointer { starts in
                out.withUnsafeMutableBufferPointer {
                    tally_sha256_each(input.baseAddress!, starts.baseAddress!, lengths.count, total, $0.baseAddress!)
                }
            }
        }
        bytes.removeLast(ionHashReadAhead)
        return (bytes, (0..<lengths.count).map { Array(out[32 * $0..<32 * $0 + 32]) })
    }

    private func expectedDigests(_ bytes: [UInt8], _ lengths: [Int]) -> [[UInt8]] {
        var at = 0
        return lengths.map { length in
            defer { at += length }
            return SHA256.hash(Array(bytes[at..<at + length]))
        }
    }

    /// One message of every length 0–300 (one lane alone, the tail in one or two blocks).
    func testOneMessageAtEveryLength() throws {
        try skipWithoutExtensions()
        var generator = SplitMix64Random(seed: 21)
        for length in 0...300 {
            let (bytes, digests) = eachDigest([length], &generator)
            XCTAssertEqual(digests, expectedDigests(bytes, [length]), "length \(length)")
        }
    }

    /// Two messages of every pair of lengths around the block boundaries: the
    /// lanes run together, then the longer one alone.
    func testTwoMessagesAtLengthsAroundBlockBoundaries() throws {
        try skipWithoutExtensions()
        var generator = SplitMix64Random(seed: 22)
        let lengths = [0, 1, 15, 16, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 191, 192, 250, 300]
        for a in lengths {
            for b in lengths {
                let (bytes, digests) = eachDigest([a, b], &generator)
                XCTAssertEqual(digests, expectedDigests(bytes, [a, b]), "lengths \(a), \(b)")
            }
        }
    }

    /// Many messages of random lengths: each lane takes the next message when
    /// its own ends, so a long one runs beside several short ones.
    func testManyMessagesOfRandomLengths() throws {
        try skipWithoutExtensions()
        var generator = SplitMix64Random(seed: 23)
        for round in 0..<300 {
            let count = Int(generator.next() % 40)
            let lengths = (0..<count).map { _ in
                generator.next() % 5 == 0 ? Int(generator.next() % 1_000) : Int(generator.next() % 70)
            }
            let (bytes, digests) = eachDigest(lengths, &generator)
            XCTAssertEqual(digests, expectedDigests(bytes, lengths), "round \(round): lengths \(lengths)")
        }
    }

    /// Ion Hash of random documents three ways: field digests two at a time
    /// (the default here), one by one with OpenSSL, and through a function of
    /// no fixed length (which digests each field as soon as the struct ends, one by one).
    /// (Without the extensions the default is OpenSSL one by one too, and is still checked.)
    func testIonHashAgreesWithOpenSSLOneByOne() throws {
        XCTAssertEqual(SHA256HashFunction().usesSHAExtensions, SHA256.extensionsOnThisProcessor)
        XCTAssertFalse(SHA256HashFunction.openSSLOnly.usesSHAExtensions)
        var generator = SplitMix64Random(seed: 24)
        let lanes = IonHasher(SHA256HashFunction())
        let openSSL = IonHasher(SHA256HashFunction.openSSLOnly)
        let oneByOne = IonHasher(VaryingLengthSHA256())
        for round in 0..<500 {
            let value = randomValue(&generator, depth: 0)
            let expected = oneByOne.hash(value)
            XCTAssertEqual(lanes.hash(value), expected, "round \(round): \(value)")
            XCTAssertEqual(openSSL.hash(value), expected, "round \(round)")
            XCTAssertEqual(try lanes.hashes(ofBinary: Ion.writeBinary([value])), [expected], "round \(round), from binary")
        }
    }

    /// Structs of 0–40 fields (past the insertion sort's 16), fields of one to
    /// several blocks, nested structs and lists of structs.
    private func randomValue(_ generator: inout SplitMix64Random, depth: Int) -> IonValue {
        switch generator.next() % (depth > 3 ? 4 : 7) {
        case 0: return .int(Int(Int64(bitPattern: generator.next()) >> Int64(generator.next() % 64)))
        case 1: return .string(String(repeating: "x\u{0B}é", count: Int(generator.next() % (generator.next() % 4 == 0 ? 120 : 12))))
        case 2: return .blob((0..<Int(generator.next() % 90)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        case 3: return .symbol("s\(generator.next() % 9)")
        case 4: return .list((0..<Int(generator.next() % 4)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            let count = generator.next() % 6 == 0 ? Int(generator.next() % 41) : Int(generator.next() % 6)
            return IonValue(.struct((0..<count).map { i in
                IonField(IonSymbol("f\(generator.next() % 7)\(String(repeating: "n", count: i % 3))"),
                         randomValue(&generator, depth: depth + 1))
            }))
        }
    }
}

/// SHA-256 through OpenSSL, declaring no fixed length, so that the serializer
/// takes its other path: each field digested on its own, into an array.
private struct VaryingLengthSHA256: IonHashFunction {
    func appendDigest(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.append(contentsOf: SHA256.hash(bytes))
    }
}
