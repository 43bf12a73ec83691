import Foundation

/// Loopback ports for tests that listen on them later: free now, never handed
/// out before in this process, and outside the kernel's ephemeral range.
///
/// A port from `bind(0)` is one the kernel may give, a moment later, to the
/// local end of an outgoing connection (a peer link) before the node listens
/// on it. A fresh-clone run lost `NodeCatchUpTests` to EADDRINUSE that way at
/// stop 41, as the Python harness (`conftest.free_port`) had at stop 39.
enum LoopbackTestPort {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var handedOut: Set<Int> = []

    /// The ports the kernel hands out for `bind(0)` and for outgoing connections.
    static var ephemeralRange: ClosedRange<Int> {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let bounds = text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard bounds.count == 2, bounds[0] <= bounds[1] else { return 32768...60999 }
        return bounds[0]...bounds[1]
    }

    /// Where ports are drawn from: below the ephemeral range, else above it
    /// (nil when neither side has a thousand ports).
    static var candidates: ClosedRange<Int>? {
        let ephemeral = ephemeralRange
        if ephemeral.lowerBound > 11_000 { return 10_000...(ephemeral.lowerBound - 1) }
        if ephemeral.upperBound < 64_535 { return (ephemeral.upperBound + 1)...65_535 }
        return nil
    }

    /// A port as above; `draw` picks candidates (random; a test's own sequence).
    static func next(draw: (ClosedRange<Int>) -> Int = { Int.random(in: $0) }) -> Int {
        lock.withLock {
            guard let range = candidates else { return kernelPort() }   // no room outside: the old way
            for _ in 0..<1000 {
                let port = draw(range)
                guard !handedOut.contains(port), isFree(port) else { continue }
                handedOut.insert(port)
                return port
            }
            return kernelPort()
        }
    }

    /// Whether nothing listens on (or holds) `port` on 127.0.0.1 now.
    static func isFree(_ port: Int) -> Bool {
        withSocket(port: port) { $0 != nil }
    }

    /// A port from `bind(0)`: free now, but inside the ephemeral range.
    private static func kernelPort() -> Int {
        withSocket(port: 0) { $0 ?? 0 }
    }

    /// Binds a socket to 127.0.0.1:`port` and hands `body` the port bound, or nil.
    private static func withSocket<T>(port: Int, _ body: (Int?) -> T) -> T {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard fd >= 0, bound == 0 else { return body(nil) }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return body(Int(UInt16(bigEndian: addr.sin_port)))
    }
}
