import XCTest
@testable import Ion

/// `utcFields` answers a UTC timestamp's valid fields as they are; everything
/// else (offsets, fields out of range) goes through the minute of the epoch.
final class TimestampUTCFieldsTests: XCTestCase {
    private func converted(_ t: IonTimestamp) -> [Int] {
        let total = t.utcMinuteOfEpoch
        let dayNumber = total >= 0 ? total / 1440 : (total - 1439) / 1440
        let minuteOfDay = total - dayNumber * 1440
        let (y, m, d) = CivilDate.date(days: dayNumber)
        return [y, m, d, minuteOfDay / 60, minuteOfDay % 60]
    }

    private func fields(_ t: IonTimestamp) -> [Int] {
        let u = t.utcFields
        return [u.year, u.month, u.day, u.hour, u.minute]
    }

    func testEveryOffsetAndFieldRangeAgreesWithTheConversion() {
        var rng = SplitMix64Random(seed: 0x71DE)
        for _ in 0..<20_000 {
            func pick(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.next() % UInt64(range.count)) }
            // Fields mostly valid, sometimes just past their range (24:00, minute 60, 31 February, month 13).
            let t = IonTimestamp(year: pick(1...9999), month: pick(1...13), day: pick(1...31), hour: pick(0...24),
                                 minute: pick(0...60), second: 0,
                                 offsetMinutes: [nil, 0, 0, 60, -90, 1439][pick(0...5)], precision: .minute)
            XCTAssertEqual(fields(t), converted(t), "\(t)")
        }
    }

    func testLeapDayAtUTCStaysAndFebruaryThirtiethMoves() {
        let leap = IonTimestamp(year: 2024, month: 2, day: 29, hour: 23, minute: 59, offsetMinutes: 0, precision: .minute)
        XCTAssertEqual(fields(leap), [2024, 2, 29, 23, 59])
        let past = IonTimestamp(year: 2023, month: 2, day: 29, hour: 0, minute: 0, offsetMinutes: 0, precision: .minute)
        XCTAssertEqual(fields(past), [2023, 3, 1, 0, 0])
    }
}
