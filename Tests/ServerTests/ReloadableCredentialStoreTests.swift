import Foundation
import XCTest
@testable import Replica
@testable import Server

/// SIGHUP's credentials reload: what changed is reported by key id, and a file
/// that does not parse leaves the credentials in use untouched.
final class ReloadableCredentialStoreTests: XCTestCase {
    func testReloadReportsAddedRemovedChangedAndKeepsTheOldSetOnError() throws {
        let path = NSTemporaryDirectory() + "tally-creds-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "[a]\naws_access_key_id = K1\naws_secret_access_key = s1\n[b]\naws_access_key_id = K2\naws_secret_access_key = s2\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let store = try ReloadableCredentialStore(path: path)
        XCTAssertEqual(store.credential(forAccessKeyID: "K1")?.secretAccessKey, "s1")

        try "[a]\naws_access_key_id = K1\naws_secret_access_key = s1-new\n[c]\naws_access_key_id = K3\naws_secret_access_key = s3\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let change = try store.reload()
        XCTAssertEqual(change, .init(added: ["K3"], removed: ["K2"], changed: ["K1"], total: 2))
        XCTAssertEqual(store.credential(forAccessKeyID: "K1")?.secretAccessKey, "s1-new")
        XCTAssertNil(store.credential(forAccessKeyID: "K2"))

        try "[a]\naws_access_key_id = K9\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try store.reload())
        XCTAssertEqual(store.credential(forAccessKeyID: "K3")?.secretAccessKey, "s3", "the previous set stays in use")
        XCTAssertNil(store.credential(forAccessKeyID: "K9"))

        try "[a]\naws_access_key_id = K1\naws_secret_access_key = s1-new\n[c]\naws_access_key_id = K3\naws_secret_access_key = s3\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertTrue(try store.reload().isEmpty, "the same file again changes nothing")
    }
}
