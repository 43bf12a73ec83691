import Foundation
import Ledger
import XCTest
@testable import Server

/// Failpoints are for tests only: armed only with `[testing] failpoints = true`.
final class FailpointConfigTests: XCTestCase {
    override func tearDown() { Failpoints.disarm() }

    func testTestingSectionParsesAndDefaultsOff() throws {
        XCTAssertFalse(try NodeConfig.parse("").testing.failpoints)
        XCTAssertTrue(try NodeConfig.parse("[testing]\nfailpoints = true\n").testing.failpoints)
        XCTAssertThrowsError(try NodeConfig.parse("[testing]\nfailpoint = true\n"))
    }

    func testTheEnvironmentVariableIsRefusedWithoutTheSwitch() throws {
        var config = try NodeConfig.parse("data_dir = \"/srv/n1\"")
        XCTAssertNoThrow(try Node.armFailpoints(config, environment: [:]))
        XCTAssertThrowsError(try Node.armFailpoints(config, environment: ["TALLY_FAILPOINTS": "fsync=error"])) {
            XCTAssertTrue("\($0)".contains("refusing to start"), "\($0)")
        }
        XCTAssertFalse(Failpoints.current.isArmed)
        config.testing.failpoints = true
        try Node.armFailpoints(config, environment: ["TALLY_FAILPOINTS": "fsync=error"])
        XCTAssertEqual(Failpoints.current.pathPrefix, "/srv/n1/")
        XCTAssertTrue(Failpoints.current.fsyncError)
        XCTAssertThrowsError(try Node.armFailpoints(config, environment: ["TALLY_FAILPOINTS": "fsync=sometimes"]))
    }
}
