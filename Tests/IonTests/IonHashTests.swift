import Foundation
import XCTest
@testable import Ion

final class IonHashTests: XCTestCase {
    private func value(_ text: String) throws -> IonValue {
        let values = try Ion.read(text)
        XCTAssertEqual(values.count, 1, text)
        return values[0]
    }

    /// `s(value)` as digested for SHA-256 (struct fields appear as their SHA-256).
    private func serialization(_ value: IonValue) -> [UInt8] {
        var bytes: [UInt8] = []
        IonHasher(SHA256HashFunction()).serialize(value, into: &bytes)
        return bytes
    }

    private func identitySerialization(_ value: IonValue) -> [UInt8] {
        IonHasher(IdentityHashFunction()).hash(value)
    }

    /// PROTOCOL.md §1.7.1 table: the serialized bytes and their SHA-256.
    func testProtocolTable() throws {
        let table: [(String, String?, String)] = [
            ("null", "0b0f0e", "0fb06b6183c21379529fdd45d6af4aba731ac6f081ef9e6c1c94b1fb26177304"),
            ("true", "0b110e", "cee54499d5f362b272fbd8ee6480ff547a6dc4e2d9e12733459f820e70305017"),
            ("0", "0b200e", "a3c7def97b35b3fb34db4682fff002d3da3937011bd3722947f52aa94b8d5931"),
            ("1", "0b20010e", "f089f64ca73b9b160d33f19b07f8d0c97d4e8e4215c0b6b8b836dedcfb65929a"),
            ("-256", "0b3001000e", "6fa46ce2ad1cf2ff9f6add53b92300df074ea514c1eaca6bf837b669b6134fc5"),
            ("1.5e0", "0b403ff80000000000000e", "565a79d80d56bc336800a2e528680cf0c98547f1f8ca88ff228473727a7c417d"),
            ("12.50", "0b50c204e20e", "48e6b199d89adbbd48256d3d915e654bb161a9ed869f199f607c26004c3667e5"),
            ("-7.25", "0b50c282d50e", "8acedefa1ac94314d86697cdd414779392e1da48b6aed74326c022140e713fd9"),
            ("2000-01-01T00:00:00Z", "0b60800fd081818080800e", "2913b1818f8cccbedaf1b2ca5c913c4503b3fa5c080618dda1a01dc1a479a2db"),
            ("2000-01-01T00:00:00.000Z", "0b60800fd08181808080c30e", "2c6e0fe723e5a96f54836f1ea961cdbaa9402ab32153852b97fe4fb4560d22ab"),
            ("2021-06-02T07:03:05.226Z", "0b60800fe58682878385c300e20e", "560dd5934729ece735c8315c2ca034ea9c5b2ba3ad739bd9df76508399454140"),
            ("\"txn1\"", "0b8074786e310e", "ef8d10a295a3798aa8eddf381c97ee85ee1a9b3c0c79fb2f2be2ac43dbf94f2e"),
            ("\"\\x0b\\x0c\\x0e\"", "0b800c0b0c0c0c0e0e", "ae4b7d2b8c56066a77e3f77a58d223e8bd798796b0d0f3167a57560570c73fa4"),
            ("abc", "0b706162630e", "c690af405818e2d876a4c2692f1210dbdd14ff6b238ff0a92222f3d71707ee1d"),
            ("{{aGVsbG8=}}", "0ba068656c6c6f0e", "da20f4be16236f28f09fb736dac5ef9b1c5bb403f2bcb6850d191a46926d0729"),
            ("[1,2]", "0bb00b20010e0b20020e0e", "694ff15928653dadac73597bef40f8af664a5aa1d0331e7218f4f2562ea445a6"),
            ("(cons 1 2)", "0bc00b70636f6e730e0b20010e0b20020e0e", "b9d63a51d5d9c2d975ae44e3ce2a0c4b80b999a2ce78e8ebb24f3583544ff3fd"),
            ("{}", "0bd00e", "dc3ff8e550c833236bbee92d163762698b7b0b7b68a1af1b060243580741b7a6"),
            ("{a:1}", nil, "f5d2d95c18463b4e3b9e5cf7d8e167299e31627c82c15b5e0b822b83ddadc4eb"),
            ("a::b::1", "0be00b70610e0b70620e0b20010e0e", "1113a34a63ab043f8095badae6abb1584429e247f3cc1116b2abe22f3e678c99"),
        ]
        for (text, serialized, hash) in table {
            let v = try value(text)
            if let serialized {
                XCTAssertEqual(Hex.encode(serialization(v)), serialized, text)
            }
            XCTAssertEqual(Hex.encode(v.ionHash), hash, text)
        }
        // {a:1}: the field hash contains 0x0b, which must be escaped.
        XCTAssertEqual(Hex.encode(serialization(try value("{a:1}"))),
                       "0bd0db0f505fdd2ec4b9ff1ca019e2c40c0b7f33ff2c3e03e760f8947f4027cad4f3e00e")
    }

    /// Upstream amazon-ion/ion-hash-test vectors through the identity hash:
    /// the serialization must be byte-for-byte the expected stream.
    func testUpstreamIdentityVectors() throws {
        let tests = try Ion.read(SharedTestData.bytes("ion-hash/ion_hash_tests.ion"))
        let derived = try Ion.read(SharedTestData.bytes("ion-hash/ion_hash_tests.sha256-derived.ion"))
        XCTAssertEqual(tests.count, 167)
        XCTAssertEqual(derived.count, tests.count)
        var identityChecked = 0
        var sha256Checked = 0
        for (index, test) in tests.enumerated() {
            let source = try sourceValue(of: test)
            let name = test.annotations.first?.text ?? "#\(index)"
            if let expected = expectedIdentityDigest(of: test) {
                XCTAssertEqual(Hex.encode(identitySerialization(source)), Hex.encode(expected), "identity \(name)")
                identityChecked += 1
            }
            guard case .string(let sha)? = derived[index][field: "sha256"]?.content else {
                XCTFail("no sha256 for test \(index)")
                continue
            }
            XCTAssertEqual(Hex.encode(source.ionHash), sha, "sha256 \(name)")
            sha256Checked += 1
        }
        print("ion hash vectors: \(identityChecked) identity streams, \(sha256Checked) SHA-256 digests checked")
        XCTAssertEqual(identityChecked, 166)
    }

    private func sourceValue(of test: IonValue) throws -> IonValue {
        if let ion = test[field: "ion"] { return ion }
        guard case .sexp(let items)? = test[field: "10n"]?.content else {
            throw IonError("test has neither ion nor 10n", offset: 0)
        }
        let bytes = items.compactMap { item -> UInt8? in
            if case .int(.small(let b)) = item.content { return UInt8(b) }
            return nil
        }
        let values = try Ion.read(Ion.binaryVersionMarker + bytes)
        guard values.count == 1 else { throw IonError("10n source is not one value", offset: 0) }
        return values[0]
    }

    /// The last `digest::` (or `final_digest::`) bytes of the identity expectation.
    private func expectedIdentityDigest(of test: IonValue) -> [UInt8]? {
        guard case .sexp(let calls)? = test[field: "expect"]?[field: "identity"]?.content else { return nil }
        let digests = calls.filter { call in
            call.annotations.contains { $0.text == "digest" || $0.text == "final_digest" }
        }
        guard let last = digests.last, case .sexp(let bytes) = last.content else { return nil }
        return bytes.compactMap { b -> UInt8? in
            if case .int(.small(let v)) = b.content { return UInt8(v) }
            return nil
        }
    }

    /// QLDB-style vectors derived with pyqldb: value hashes, dot, commit digests.
    func testQLDBDerivedVectors() throws {
        let entries = try Ion.read(SharedTestData.bytes("ion-hash/qldb_hash-derived.ion"))
        var checked = 0
        for entry in entries {
            func string(_ name: String) -> String? {
                if case .string(let s)? = entry[field: name]?.content { return s }
                return nil
            }
            switch entry.annotations.first?.text {
            case "to_qldb_hash":
                let v: IonValue = try string("input").map { IonValue.string($0) } ?? value(string("input_ion") ?? "")
                XCTAssertEqual(Hex.encode(v.ionHash), string("sha256"))
            case "dot":
                let left = Hex.decode(string("left") ?? "") ?? []
                let right = Hex.decode(string("right") ?? "") ?? []
                XCTAssertEqual(Hex.encode(QLDBHash.driverDot(left, right)), string("result"))
            case "commit_digest":
                guard case .list(let statements)? = entry[field: "statements"]?.content else {
                    XCTFail("statements")
                    continue
                }
                let parsed: [(text: String, parameters: [IonValue])] = statements.map { s in
                    var text = ""
                    if case .string(let t)? = s[field: "statement"]?.content { text = t }
                    var params: [IonValue] = []
                    if case .list(let p)? = s[field: "parameters"]?.content { params = p }
                    return (text, params)
                }
                let digest = QLDBHash.commitDigest(transactionID: string("transaction_id") ?? "", statements: parsed)
                XCTAssertEqual(Hex.encode(digest), string("sha256"))
            default:
                XCTFail("unknown entry \(entry)")
            }
            checked += 1
        }
        XCTAssertEqual(checked, entries.count)
        XCTAssertGreaterThanOrEqual(checked, 15)
    }

    /// PROTOCOL.md §1.7.5, V1–V6.
    func testCommitDigestVectors() throws {
        func digest(_ txn: String, _ statements: [(String, [String])]) throws -> String {
            let parsed = try statements.map { (text: $0.0, parameters: try $0.1.map { try value($0) }) }
            return Hex.encode(QLDBHash.commitDigest(transactionID: txn, statements: parsed))
        }
        XCTAssertEqual(try digest("txn1", [("INSERT INTO T ?", ["{a: 1}"])]),
                       "c359fc0833f7de92281380370ee02fffa776d2de3573e7337d01b26b24d1f6be")
        XCTAssertEqual(try digest("txn1", [("SELECT * FROM T", [])]),
                       "1c72be8eeb4cbbdc549d76887463a808405ea091557c593067974bee70e67397")
        XCTAssertEqual(try digest("txn1", []), "ef8d10a295a3798aa8eddf381c97ee85ee1a9b3c0c79fb2f2be2ac43dbf94f2e")
        XCTAssertEqual(try digest("5PLf9SXwndd63lPaSIa0O6", [
            ("CREATE TABLE Person", []),
            ("INSERT INTO Person ?", ["{name:\"Alice\",age:30,tags:[\"x\",\"y\"]}"]),
            ("UPDATE Person SET age = ? WHERE name = ?", ["31", "\"Alice\""]),
        ]), "7759e4769e35e2f41394da0ee1cb15f3befbdb710932c5d33938cb4e4db1a7cb")
        XCTAssertEqual(try digest("txn1", [
            ("INSERT INTO T ?", ["{s:\"str\",i:-42,big:123456789012345678901234567890,d:12.50,f:1.5e0,b:true,n:null,ts:2021-02-03T04:05:06.789Z,bl:{{aGVsbG8=}},sym:abc,l:[1,2,3]}"]),
            ("SELECT * FROM T WHERE i = ? AND d = ?", ["-42", "12.50"]),
        ]), "3b48e4e499af7a7fb1925a8375c3a6d022950d97d9a9d3c36ed5bddde8a9cb73")
        XCTAssertEqual(Hex.encode(try value("{s:\"str\",i:-42,big:123456789012345678901234567890,d:12.50,f:1.5e0,b:true,n:null,ts:2021-02-03T04:05:06.789Z,bl:{{aGVsbG8=}},sym:abc,l:[1,2,3]}").ionHash),
                       "955bb629972c93e2ffa10af1616343302493293c86f68166938e85bf9156da51")
        XCTAssertEqual(try digest("txn1", [("INSERT INTO T ?", ["{name:\"Zoë ✓\", nested:{x:{y:[1,{z:null.int}]}}, ann:tag::5}"])]),
                       "bc6a83bdb89a25450635cd3b075912ffb3ab54ef283accd9aa9760f57a19d0c6")
        // The V1 parameter arrives as IonBinary on the wire; its hash is of the decoded value.
        let binary = Hex.decode("e00100eae88183de8487b28161de838a2101") ?? []
        XCTAssertEqual(Hex.encode(try Ion.read(binary)[0].ionHash),
                       "f5d2d95c18463b4e3b9e5cf7d8e167299e31627c82c15b5e0b822b83ddadc4eb")
    }

    /// §3.4: a real revision from QLDB, its hash recomputed.
    func testRealRevisionHash() throws {
        let metadata = try value("{id:\"5vHoYG5m0OZCsqdYCs8XLH\",version:13,txTime:2021-06-02T07:03:05.226Z,txId:\"EVaGjT4dxspC4GUhHi4DDJ\"}")
        let data = try value("{_key:\"myKey1\",_val:\"MyValue1\"}")
        XCTAssertEqual(Hex.encode(metadata.ionHash), "4797f67ff7e3c12a2d6d4e4aea811c94f1dfac078a93b9cdb6400cbcd8ae64f8")
        XCTAssertEqual(Hex.encode(data.ionHash), "c654e81c0d0236ba54dcc99ad480942b211ee267bab4fbaf4a50277cd88664af")
        let expected = try value("{{DrFztoBrWKz+mCV+BnnMfEZRwfJcD+DNLRPLc16SidY=}}")
        XCTAssertEqual(IonContent.blob(QLDBHash.dot(metadata.ionHash, data.ionHash)), expected.content)
    }

    func testDotIsCommutativeAndOrdersBySignedLastByte() {
        let a = SHA256.hash(Array("a".utf8))
        let b = SHA256.hash(Array("b".utf8))
        XCTAssertEqual(QLDBHash.dot(a, b), QLDBHash.dot(b, a))
        var low = [UInt8](repeating: 0, count: 32)
        var high = [UInt8](repeating: 0, count: 32)
        low[31] = 0x80   // -128 as a signed byte: sorts first
        high[31] = 0x7F
        XCTAssertTrue(QLDBHash.precedes(low, high))
        XCTAssertEqual(QLDBHash.dot(high, low), SHA256.hash(low + high))
        XCTAssertEqual(QLDBHash.dot([], a), a)
        XCTAssertEqual(QLDBHash.driverDot([], a), SHA256.hash(a))
    }

    func testMerkleRootPairsLeftToRightAndCarriesOddLeaf() {
        let leaves = (0..<5).map { SHA256.hash([UInt8($0)]) }
        let d = QLDBHash.dot
        let expected = d(d(d(leaves[0], leaves[1]), d(leaves[2], leaves[3])), leaves[4])
        XCTAssertEqual(QLDBHash.merkleRoot(leaves), expected)
        XCTAssertEqual(QLDBHash.merkleRoot([leaves[0]]), leaves[0])
        XCTAssertEqual(QLDBHash.merkleRoot([]), [])
    }

    func testSHA256KnownAnswer() {
        XCTAssertEqual(Hex.encode(SHA256.hash(Array("abc".utf8))),
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

final class IonJSONTests: XCTestCase {
    func testDownConversionFollowsTheIonCookbook() throws {
        let value = try Ion.read("""
            ann::{i: -7, big: 123456789012345678901234567890, d: 12.50, e: 1d-3, f: 2.5e0, notanumber: nan, infinity: +inf,
                  n: null.int, t: 2021-02-03T04:05:06.789Z, sym: abc, s: "q\\"\\n\\u0001", b: {{aGVsbG8=}},
                  l: [1, (a b)], dup: 1, dup: 2, ok: true}
            """)[0]
        XCTAssertEqual(IonJSON.write(value), #"{"i":-7,"big":123456789012345678901234567890,"d":12.50,"e":0.001,"f":2.5,"notanumber":null,"infinity":null,"n":null,"t":"2021-02-03T04:05:06.789Z","sym":"abc","s":"q\"\n\u0001","b":"aGVsbG8=","l":[1,["a","b"]],"dup":1,"dup":2,"ok":true}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(IonJSON.write(value).utf8)) as? [String: Any]
        XCTAssertEqual(parsed?["sym"] as? String, "abc")
    }
}
