import XCTest
@testable import Ion

final class HexTests: XCTestCase {
    func testEncodeWritesLowerCaseHexOfEveryByte() {
        XCTAssertEqual(Hex.encode([UInt8]()), "")
        XCTAssertEqual(Hex.encode([0x00, 0x0F, 0xF0, 0xFF, 0x9A]), "000ff0ff9a")
        XCTAssertEqual(Hex.encode(Array(0...255).map(UInt8.init)).count, 512)
        XCTAssertEqual(Hex.encode(SHA256.hash([UInt8]("abc".utf8))),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testTheArrayPathTheSlicePathAndTheGenericPathAgree() {
        var rng = SystemRandomNumberGenerator()
        for length in [0, 1, 2, 31, 32, 33, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let generic = Hex.encode(bytes.lazy.map { $0 })
            XCTAssertEqual(Hex.encode(bytes), generic)
            XCTAssertEqual(Hex.encode(bytes[...]), generic)
            XCTAssertEqual(Hex.decode(generic), bytes)
        }
    }
}
