import Ion
import XCTest

/// The SHA-256 wrappers over OpenSSL against FIPS 180-2's examples, and the
/// two-piece form (QLDB's hash combination) against the one-piece form.
final class SHA256Tests: XCTestCase {
    func testKnownDigests() {
        let cases: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
             "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
        ]
        for (text, hex) in cases {
            XCTAssertEqual(Hex.encode(SHA256.hash(Array(text.utf8))), hex, "SHA-256 of \"\(text)\"")
        }
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(Hex.encode(SHA256.hash(million)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The one-piece form pads and compresses a short message's tail itself
    /// (`tally_sha256`); the two-piece form goes through OpenSSL's
    /// `SHA256_Final`. They must agree at every length around the block
    /// boundaries and past the 256 bytes where the one-piece form hands over to `SHA256_Update`.
    func testOnePieceAgreesWithOpenSSLsFinalAtEveryLength() {
        var generator = SplitMix64Random(seed: 11)
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            XCTAssertEqual(SHA256.hash(bytes), SHA256.hash(bytes, []), "length \(length)")
        }
    }

    func testTwoPiecesAgreeWithOneAtEverySplit() {
        var generator = SplitMix64Random(seed: 7)
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 127, 128, 129, 200] {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let whole = SHA256.hash(bytes)
            for split in 0...length {
                XCTAssertEqual(SHA256.hash(Array(bytes[..<split]), Array(bytes[split...])), whole,
                               "length \(length) split at \(split)")
            }
        }
    }
}
