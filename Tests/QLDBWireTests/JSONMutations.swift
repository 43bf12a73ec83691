import Raft   // SplitMix64: the seeded generator

/// Seeded mutations of JSON text for the differential tests: one to four
/// edits, each a byte dropped, inserted or replaced (from the characters JSON
/// gives meaning to, and a few it forbids) or a short range repeated.
enum JSONMutations {
    static let alphabet = Array("{}[]\",:\\ nul0-1.e+tu\u{00e9}".utf8) + [0x00, 0x1F, 0x80, 0xFF]

    static func mutate(_ original: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var b = original
        for _ in 0...Int(rng.next(below: 3)) {
            let at = rng.int(below: b.count + 1)
            switch rng.next(below: 4) {
            case 0 where at < b.count: b.remove(at: at)
            case 1: b.insert(alphabet[rng.int(below: alphabet.count)], at: at)
            case 2 where at < b.count: b[at] = alphabet[rng.int(below: alphabet.count)]
            default:
                let end = min(b.count, at + rng.int(below: 12))
                b.insert(contentsOf: b[at..<end], at: at)
            }
        }
        return b
    }
}
