import Foundation
import Server

/// The local cluster's layout: `cluster/nodeN.toml` configs and the runtime
/// state under `cluster/local/` (logs, pids, certificates, env).
struct LocalCluster {
    struct Member {
        var name: String
        var configPath: String
        var config: NodeConfig
    }

    let directory: String
    let members: [Member]

    init(directory: String) throws {
        self.directory = directory
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let configs = files.filter { $0.hasPrefix("node") && $0.hasSuffix(".toml") }.sorted()
        guard !configs.isEmpty else {
            throw CLIError("no node*.toml configurations in \(directory)")
        }
        members = try configs.map { file in
            let path = directory + "/" + file
            return Member(name: String(file.dropLast(5)), configPath: path, config: try NodeConfig.load(path: path))
        }
    }

    var localDirectory: String { directory + "/local" }
    func logPath(_ m: Member) -> String { localDirectory + "/\(m.name).log" }
    func pidPath(_ m: Member) -> String { localDirectory + "/\(m.name).pid" }
    var envPath: String { localDirectory + "/env" }

    /// The pid of a running member, from its pid file.
    func runningPID(_ m: Member) -> pid_t? {
        guard let text = try? String(contentsOfFile: pidPath(m), encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        guard kill(pid, 0) == 0 else { return nil }
        // The pid may have been reused: check it is a tally node for this config.
        let args = processArguments(pid)
        return args.contains("node") && args.contains(where: { $0.hasSuffix(m.name + ".toml") }) ? pid : nil
    }

    /// Starts `tally node --config …` detached (own session), logging to cluster/local.
    func start(_ m: Member) throws -> pid_t {
        try FileManager.default.createDirectory(atPath: localDirectory, withIntermediateDirectories: true)
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let pid = try spawnDetached([exe, "node", "--config", m.configPath], log: logPath(m), what: m.name)
        try "\(pid)\n".write(toFile: pidPath(m), atomically: true, encoding: .utf8)
        return pid
    }

    /// The load balancer in front of the nodes, when `<dir>/haproxy.cfg` exists.
    var loadBalancer: LocalLoadBalancer? { LocalLoadBalancer(cluster: self) }
}

/// Starts `args` in its own session with stdin from /dev/null and stdout and
/// stderr appended to `log`; returns its pid.
func spawnDetached(_ args: [String], log: String, what: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, 0x80)  // POSIX_SPAWN_SETSID (glibc, behind _GNU_SOURCE)
    var pid: pid_t = 0
    let cArgs = args.map { strdup($0) } + [nil]
    defer { cArgs.forEach { free($0) } }
    let rc = posix_spawn(&pid, args[0], &actions, &attributes, cArgs, environ)
    guard rc == 0 else { throw CLIError("cannot start \(what): \(String(cString: strerror(rc)))") }
    return pid
}

/// The command line of a running process (NUL-separated arguments), empty if it is gone.
func processArguments(_ pid: pid_t) -> [String] {
    let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
    return String(decoding: cmdline, as: UTF8.self).split(separator: "\0").map(String.init)
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
