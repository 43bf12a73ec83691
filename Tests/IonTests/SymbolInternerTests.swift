import XCTest
@testable import Ion

/// Local symbol ids are given in order of first use, whatever the texts: few
/// (a linear search), many (the dictionary), and many that share a place in the
/// interner's cache of recent finds (same length, first and last byte).
final class SymbolInternerTests: XCTestCase {
    /// Texts of one length that begin and end alike, so they fall in the same
    /// cache slot, mixed with texts that do not.
    private func texts(_ count: Int) -> [String] {
        (0..<count).map { i in i % 3 == 0 ? "n\(i)" : "f" + String(format: "%04d", i) + "x" }
    }

    func testIdsFollowFirstUseAcrossTheLinearAndDictionaryRanges() {
        var random = SplitMix64Random(seed: 0x51AB)
        for distinct in [1, 15, 16, 17, 18, 40, 300] {
            let pool = texts(distinct)
            var interner = SymbolInterner()
            var expected: [String: Int] = [:]
            for _ in 0..<(distinct * 20) {
                let text = pool[Int(random.next() % UInt64(distinct))]
                let id = interner.id(for: text)
                let want = expected[text] ?? (interner.firstID + expected.count)
                expected[text] = want
                XCTAssertEqual(id, want, "\(distinct) texts: \(text)")
            }
            XCTAssertEqual(interner.texts.count, expected.count)
            for (text, id) in expected { XCTAssertEqual(interner.texts[id - interner.firstID], text) }
        }
    }

    /// System symbols and a preset's texts keep their ids before and after the
    /// interner moves from its linear search to its dictionary and cache.
    func testSystemAndPresetTextsKeepTheirIds() {
        var interner = SymbolInterner(firstID: 20, presetIDs: ["preset": 12])
        for round in 0..<3 {
            for text in texts(round == 0 ? 5 : 40) { _ = interner.id(for: text) }
            XCTAssertEqual(interner.id(for: "name"), 4, "round \(round)")
            XCTAssertEqual(interner.id(for: "$ion_symbol_table"), 3, "round \(round)")
            XCTAssertEqual(interner.id(for: "preset"), 12, "round \(round)")
        }
        XCTAssertFalse(interner.texts.contains("name"))
        XCTAssertFalse(interner.texts.contains("preset"))
    }

    func testManyFieldNamesSurviveTheBinaryRoundTrip() throws {
        var random = SplitMix64Random(seed: 0xF1E1D)
        let pool = texts(200)
        let values: [IonValue] = (0..<50).map { _ in
            IonValue.struct((0..<30).map { _ in
                (pool[Int(random.next() % 200)], IonValue.int(Int(random.next() % 1000)))
            })
        }
        XCTAssertEqual(try Ion.read(Ion.writeBinary(values)), values)
    }
}
