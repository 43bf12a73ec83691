import CLibUV
import Foundation

/// IPv4/IPv6 socket addresses for libuv calls.
enum SocketAddress {
    /// Parses a numeric host ("127.0.0.1", "::1") and port.
    static func parse(host: String, port: Int) -> sockaddr_storage? {
        var storage = sockaddr_storage()
        let ok: Bool = withUnsafeMutablePointer(to: &storage) { p in
            let v4 = p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                uv_ip4_addr(host, Int32(port), $0) == 0
            }
            if v4 { return true }
            if host.contains(":") {
                let h = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    uv_ip6_addr(h, Int32(port), $0) == 0
                }
            }
            return false
        }
        return ok ? storage : nil
    }

    static func isNumericHost(_ host: String) -> Bool { parse(host: host, port: 0) != nil }

    /// "host:port" ("[::1]:port" for IPv6).
    static func format(_ storage: sockaddr_storage) -> (host: String, port: Int)? {
        var s = storage
        return withUnsafePointer(to: &s) { p -> (String, Int)? in
            var buf = [CChar](repeating: 0, count: 64)
            switch Int32(p.pointee.ss_family) {
            case AF_INET:
                return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    guard uv_ip4_name(a, &buf, buf.count) == 0 else { return nil }
                    return (String(cString: buf), Int(UInt16(bigEndian: a.pointee.sin_port)))
                }
            case AF_INET6:
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    guard uv_ip6_name(a, &buf, buf.count) == 0 else { return nil }
                    return (String(cString: buf), Int(UInt16(bigEndian: a.pointee.sin6_port)))
                }
            default:
                return nil
            }
        }
    }

    static func describe(_ storage: sockaddr_storage) -> String? {
        guard let (h, p) = format(storage) else { return nil }
        return h.utf8.contains(UInt8(ascii: ":")) ? "[\(h)]:\(p)" : "\(h):\(p)"  // not Foundation's range(of:)
    }

    /// Resolves `host` on the loop (numeric hosts at once, names through
    /// `uv_getaddrinfo` on the thread pool) and calls back on the loop thread.
    static func resolve(loop: EventLoop, host: String, port: Int,
                        _ completion: @escaping (Result<sockaddr_storage, NetError>) -> Void) {
        if let a = parse(host: host, port: port) { completion(.success(a)); return }
        final class Pending {
            let port: Int
            let completion: (Result<sockaddr_storage, NetError>) -> Void
            init(port: Int, completion: @escaping (Result<sockaddr_storage, NetError>) -> Void) {
                self.port = port
                self.completion = completion
            }
        }
        let req = UnsafeMutablePointer<uv_getaddrinfo_t>.allocate(capacity: 1)
        req.initialize(to: uv_getaddrinfo_t())
        req.pointee.data = Unmanaged.passRetained(Pending(port: port, completion: completion)).toOpaque()
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        let r = uv_getaddrinfo(loop.uvLoop, req, { req, status, res in
            guard let req else { return }
            let pending = Unmanaged<Pending>.fromOpaque(req.pointee.data!).takeRetainedValue()
            req.deallocate()
            defer { if let res { uv_freeaddrinfo(res) } }
            guard status == 0, let res, let addr = res.pointee.ai_addr else {
                pending.completion(.failure(status != 0 ? .uv(status, "resolve") : NetError(.address, "no address")))
                return
            }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(start: addr, count: Int(res.pointee.ai_addrlen)))
            }
            withUnsafeMutablePointer(to: &storage) { p in
                if Int32(p.pointee.ss_family) == AF_INET {
                    p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = UInt16(pending.port).bigEndian }
                } else {
                    p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = UInt16(pending.port).bigEndian }
                }
            }
            pending.completion(.success(storage))
        }, host, nil, &hints)
        if r != 0 {
            Unmanaged<Pending>.fromOpaque(req.pointee.data!).release()
            req.deallocate()
            completion(.failure(.uv(r, "resolve \(host)")))
        }
    }
}
