import XCTest
@testable import Ion

/// The binary decoder's range checks on timestamp bodies, at their edges: days
/// past 28 (checked against the month and leap year only then), the year
/// (local, after the offset), and fractional seconds just below and at 1
/// (compared with a power of ten, not by digits).
final class BinaryTimestampBoundsTests: XCTestCase {
    /// `E0 01 00 EA` and one timestamp: UTC offset, the date, 00:00:00, then the fraction if given.
    private func stream(year: Int, month: Int, day: Int, fraction: (exponent: Int, coefficient: [UInt8])? = nil) -> [UInt8] {
        var body: [UInt8] = [0x80, UInt8(year >> 7), 0x80 | UInt8(year & 0x7F), 0x80 | UInt8(month), 0x80 | UInt8(day)]
        if let fraction {
            body += [0x80, 0x80, 0x80, 0xC0 | UInt8(-fraction.exponent)] + fraction.coefficient
        }
        let head: [UInt8] = body.count < 14 ? [0x60 | UInt8(body.count)] : [0x6E, 0x80 | UInt8(body.count)]
        return [0xE0, 0x01, 0x00, 0xEA] + head + body
    }

    private func accepts(_ bytes: [UInt8]) -> Bool { (try? Ion.read(bytes)) != nil }

    /// A positive int's bytes as the Int field carries them (big-endian, the top bit a sign bit).
    private func intField(_ value: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        var v = value
        repeat { bytes.insert(UInt8(v & 0xFF), at: 0); v >>= 8 } while v != 0
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return bytes
    }

    func testDaysAgainstMonthAndLeapYear() {
        let februaries = [(2023, 28), (2024, 29), (1900, 28), (2000, 29), (2100, 28), (1, 28), (4, 29)]
        for (year, last) in februaries {
            for day in 27...31 {
                XCTAssertEqual(accepts(stream(year: year, month: 2, day: day)), day <= last, "\(year)-02-\(day)")
            }
        }
        for month in 1...12 where month != 2 {
            let last = [4, 6, 9, 11].contains(month) ? 30 : 31
            for day in [1, 28, 29, 30, 31] {
                XCTAssertEqual(accepts(stream(year: 2023, month: month, day: day)), day <= last, "2023-\(month)-\(day)")
            }
        }
        XCTAssertFalse(accepts(stream(year: 2023, month: 1, day: 0)))
    }

    /// Minute precision with an offset VarInt byte (`0xC0` is -0, the unknown offset).
    private func stream(utcYear year: Int, month: Int, day: Int, hour: Int, minute: Int, offsetByte: UInt8) -> [UInt8] {
        let body: [UInt8] = [offsetByte, UInt8(year >> 7), 0x80 | UInt8(year & 0x7F), 0x80 | UInt8(month),
                             0x80 | UInt8(day), 0x80 | UInt8(hour), 0x80 | UInt8(minute)]
        return [0xE0, 0x01, 0x00, 0xEA, 0x60 | UInt8(body.count)] + body
    }

    /// The year must be 1 to 9999 where the timestamp is read: in UTC without an
    /// offset, in local time with one (the UTC year may be 0 or 10000).
    func testYearRangeIsLocal() throws {
        let unknown: UInt8 = 0xC0, utc: UInt8 = 0x80, plusHour: UInt8 = 0x80 | 60, minusHour: UInt8 = 0xC0 | 60
        XCTAssertFalse(accepts(stream(utcYear: 0, month: 12, day: 31, hour: 23, minute: 30, offsetByte: unknown)))
        XCTAssertFalse(accepts(stream(utcYear: 0, month: 12, day: 31, hour: 23, minute: 30, offsetByte: utc)))
        XCTAssertTrue(accepts(stream(utcYear: 1, month: 1, day: 1, hour: 0, minute: 30, offsetByte: utc)))
        let local = try Ion.read(stream(utcYear: 0, month: 12, day: 31, hour: 23, minute: 30, offsetByte: plusHour))
        XCTAssertEqual(local, [IonValue(.timestamp(IonTimestamp(year: 1, month: 1, day: 1, hour: 0, minute: 30,
                                                                offsetMinutes: 60, precision: .minute)))])
        XCTAssertFalse(accepts(stream(utcYear: 1, month: 1, day: 1, hour: 0, minute: 30, offsetByte: minusHour)))
        XCTAssertTrue(accepts(stream(utcYear: 9999, month: 12, day: 31, hour: 23, minute: 30, offsetByte: minusHour)))
        XCTAssertFalse(accepts(stream(utcYear: 9999, month: 12, day: 31, hour: 23, minute: 30, offsetByte: plusHour)))
        let unknownOffset = try Ion.read(stream(utcYear: 2024, month: 5, day: 6, hour: 7, minute: 8, offsetByte: unknown))
        XCTAssertEqual(unknownOffset, [IonValue(.timestamp(IonTimestamp(year: 2024, month: 5, day: 6, hour: 7, minute: 8,
                                                                        offsetMinutes: nil, precision: .minute)))])
        let zero = try Ion.read(stream(utcYear: 2024, month: 5, day: 6, hour: 7, minute: 8, offsetByte: utc))
        XCTAssertEqual(zero, [IonValue(.timestamp(IonTimestamp(year: 2024, month: 5, day: 6, hour: 7, minute: 8,
                                                               offsetMinutes: 0, precision: .minute)))])
    }

    func testFractionsJustBelowAndAtOne() {
        var power: UInt64 = 1
        for digits in 1...18 {
            power *= 10
            XCTAssertTrue(accepts(stream(year: 2024, month: 5, day: 6, fraction: (-digits, intField(power - 1)))),
                          "\(power - 1)d-\(digits)")
            XCTAssertFalse(accepts(stream(year: 2024, month: 5, day: 6, fraction: (-digits, intField(power)))),
                           "\(power)d-\(digits)")
            XCTAssertFalse(accepts(stream(year: 2024, month: 5, day: 6, fraction: (-(digits - 1), intField(power - 1)))),
                           "\(power - 1)d-\(digits - 1)")
        }
        // Nineteen and twenty digits: 10^19 - 1 still fits an Int64's magnitude; the rest are big ints.
        let cases: [(Int, String, Bool)] = [
            (19, "008ac7230489e7ffff", true), (19, "008ac7230489e80000", false),
            (20, "056bc75e2d630fffff", true), (20, "056bc75e2d63100000", false),
            (20, "008ac7230489e80000", true),
        ]
        for (digits, hex, expected) in cases {
            let coefficient = Hex.decode(hex)!
            XCTAssertEqual(accepts(stream(year: 2024, month: 5, day: 6, fraction: (-digits, coefficient))), expected,
                           "\(hex)d-\(digits)")
        }
    }
}
