import Foundation

/// HAProxy in front of the local cluster's nodes: `<dir>/haproxy.cfg` (TCP
/// mode, TLS passed through, `/health` checks), run in the foreground of its
/// own session with its pid and log in `<dir>/local/`, like the nodes.
struct LocalLoadBalancer {
    let configPath: String
    let pidPath: String
    let logPath: String
    /// The frontend's `bind` address: the one endpoint clients use.
    let host: String
    let port: Int

    init?(cluster: LocalCluster) {
        let path = cluster.directory + "/haproxy.cfg"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let bind = LocalLoadBalancer.bindAddress(in: text) else { return nil }
        configPath = path
        pidPath = cluster.localDirectory + "/haproxy.pid"
        logPath = cluster.localDirectory + "/haproxy.log"
        (host, port) = bind
    }

    /// The first `bind host:port` line of the configuration.
    static func bindAddress(in text: String) -> (String, Int)? {
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 2, words[0] == "bind" else { continue }
            let address = words[1]
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { continue }
            let host = String(address[..<colon])
            return (host.isEmpty || host == "*" ? "127.0.0.1" : host, port)
        }
        return nil
    }

    var endpoint: String { "https://\(host):\(port)" }

    /// The pid of the running HAProxy for this configuration, from the pid file.
    func runningPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0, kill(pid, 0) == 0 else { return nil }
        let args = processArguments(pid)
        return args.first.map { $0.hasSuffix("haproxy") } == true && args.contains(configPath) ? pid : nil
    }

    /// Checks the configuration, then starts HAProxy and waits until it accepts connections.
    func start(timeout: TimeInterval = 10) throws -> pid_t {
        guard let exe = LocalLoadBalancer.executable() else {
            throw CLIError("\(configPath) asks for a load balancer but haproxy is not installed (apt-get install haproxy, or run scripts/setup-deps)")
        }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: exe)
        check.arguments = ["-c", "-q", "-f", configPath]
        try check.run()
        check.waitUntilExit()
        guard check.terminationStatus == 0 else { throw CLIError("haproxy -c -f \(configPath) failed: the configuration is invalid") }
        let pid = try spawnDetached([exe, "-db", "-f", configPath], log: logPath, what: "haproxy")
        try "\(pid)\n".write(toFile: pidPath, atomically: true, encoding: .utf8)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if LocalLoadBalancer.accepts(host: host, port: port) { return pid }
            if kill(pid, 0) != 0 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CLIError("haproxy did not listen on \(host):\(port); see \(logPath)")
    }

    /// SIGTERM, then SIGKILL after `timeout`.
    func stop(timeout: TimeInterval = 5) -> Bool {
        defer { try? FileManager.default.removeItem(atPath: pidPath) }
        guard let pid = runningPID() else { return false }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(timeout)
        while kill(pid, 0) == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        return true
    }

    static func executable() -> String? {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for dir in path + ["/usr/sbin", "/usr/local/sbin", "/sbin"] where FileManager.default.isExecutableFile(atPath: dir + "/haproxy") {
            return dir + "/haproxy"
        }
        return nil
    }

    /// True when a TCP connection to host:port succeeds.
    static func accepts(host: String, port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
