import Foundation
import XCTest
@testable import Replica
@testable import Server

/// The settings that bound what one client can take: per-credential
/// sessions, pre-authentication buffering, the stuck-request log, the region.
final class NodeConfigHostileLimitsTests: XCTestCase {
    func testDefaults() throws {
        let c = try NodeConfig.parse("")
        XCTAssertEqual(c.session.maxSessionsPerCredential, 1500)
        XCTAssertEqual(c.http.maxBufferedBodyBytes, 64 * 1024 * 1024)
        XCTAssertEqual(c.http.stuckRequestSeconds, 5)
        XCTAssertNil(c.auth.region, "unset: any region")
        XCTAssertEqual(c.logMetadata["auth_region"], "any")
    }

    func testParsed() throws {
        let c = try NodeConfig.parse("""
        [auth]
        region = "eu-central-1"
        [session]
        max_sessions_per_credential = 10
        [http]
        max_buffered_body_bytes = 1048576
        stuck_request_seconds = 2.5
        """)
        XCTAssertEqual(c.auth.region, "eu-central-1")
        XCTAssertEqual(c.session.maxSessionsPerCredential, 10)
        XCTAssertEqual(c.http.maxBufferedBodyBytes, 1_048_576)
        XCTAssertEqual(c.http.stuckRequestSeconds, 2.5)
        XCTAssertEqual(c.logMetadata["auth_region"], "eu-central-1")
    }

    func testErrors() {
        func message(_ text: String) -> String? {
            do { _ = try NodeConfig.parse(text); return nil } catch { return "\(error)" }
        }
        XCTAssertEqual(message("[session]\nmax_sessions_per_credential = 0"),
                       "session.max_sessions_per_credential must be greater than 0, got 0")
        XCTAssertEqual(message("[http]\nmax_buffered_body_bytes = \"big\""),
                       "http.max_buffered_body_bytes must be an integer, got string")
        XCTAssertEqual(message("[auth]\nregion = \"\""), "auth.region must be a region name like \"us-east-1\", got \"\"")
        XCTAssertEqual(message("[auth]\nregion = \"us east\""),
                       "auth.region must be a region name like \"us-east-1\", got \"us east\"")
    }
}
