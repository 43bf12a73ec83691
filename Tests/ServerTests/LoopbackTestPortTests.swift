import Foundation
import XCTest

/// The cluster and metrics tests' loopback ports (`LoopbackTestPort`), as
/// `Tests/python/test_free_port.py` checks the Python harness's.
final class LoopbackTestPortTests: XCTestCase {
    func testPortsAreOutsideTheEphemeralRangeDistinctAndFree() throws {
        try XCTSkipIf(LoopbackTestPort.candidates == nil, "no room outside this machine's ephemeral range")
        let ephemeral = LoopbackTestPort.ephemeralRange
        let ports = (0..<300).map { _ in LoopbackTestPort.next() }
        XCTAssertEqual(ports.filter { ephemeral.contains($0) }, [])
        XCTAssertEqual(Set(ports).count, ports.count)
        for port in ports.prefix(20) { XCTAssertTrue(LoopbackTestPort.isFree(port), "\(port)") }
    }

    /// A port someone listens on is drawn first, then one handed out already:
    /// both are passed over for the next.
    func testABusyPortAndOneHandedOutAreSkipped() throws {
        let range = try XCTUnwrap(LoopbackTestPort.candidates)
        let given = LoopbackTestPort.next()
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var busy = 0
        for port in stride(from: range.upperBound, to: range.lowerBound, by: -1) where port != given {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0, listen(listener, 1) == 0 {
                busy = port
                break
            }
        }
        XCTAssertNotEqual(busy, 0)
        XCTAssertFalse(LoopbackTestPort.isFree(busy))
        var drawn = [busy, given, busy - 1, busy - 2, busy - 3].makeIterator()
        let port = LoopbackTestPort.next { _ in drawn.next() ?? range.lowerBound }
        XCTAssertNotEqual(port, busy)
        XCTAssertNotEqual(port, given)
        XCTAssertTrue([busy - 1, busy - 2, busy - 3].contains(port), "\(port)")
    }
}
