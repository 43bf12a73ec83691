import ArgumentParser
import Foundation
import Server

/// `tally cluster add|remove|replace|members`: membership changes of the local
/// cluster through the leader's admin API (`/admin/cluster/…`).
extension ClusterCommand {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a node: start it (its NAME.toml has join = true), add it as a learner, promote it once caught up.")

        @OptionGroup var options: Options

        @Argument(help: "The new node's name (node4); its configuration is <dir>/NAME.toml.")
        var name: String

        @Option(help: "Seconds to wait for the new node to catch up and be promoted.")
        var timeout: Int = 300

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            print(try cluster.join(name, timeout: timeout) { "/admin/cluster/add?name=\(name)&address=\($0)" },
                  terminator: "")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a node from the cluster, stop it and set its configuration aside (NAME.toml.removed).")

        @OptionGroup var options: Options

        @Argument(help: "The node to remove (node3).")
        var name: String

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            print(try cluster.adminOnLeader("/admin/cluster/remove?name=\(name)", timeout: 60), terminator: "")
            try cluster.retire(name)
        }
    }

    struct Replace: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a (dead) node by a new one: add NEW (learner, catch-up, promotion), then remove OLD.")

        @OptionGroup var options: Options

        @Argument(help: "The node being replaced (node3).")
        var old: String

        @Argument(help: "The new node's name (node4); its configuration is <dir>/NEW.toml with join = true.")
        var new: String

        @Option(help: "Seconds to wait for the new node to catch up and be promoted.")
        var timeout: Int = 300

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            print(try cluster.join(new, timeout: timeout) { "/admin/cluster/replace?old=\(old)&name=\(new)&address=\($0)" },
                  terminator: "")
            try cluster.retire(old)
        }
    }

    struct Members: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the voters and learners as the leader sees them.")

        @OptionGroup var options: Options

        func run() throws {
            let cluster = try LocalCluster(directory: options.dir)
            print(try cluster.adminOnLeader("/admin/cluster/members", method: "GET", timeout: 5), terminator: "")
        }
    }
}

extension LocalCluster {
    /// Sends an admin request to the current leader with its admin token;
    /// returns the body, or throws with it when the leader refused.
    func adminOnLeader(_ path: String, method: String = "POST", timeout: Int) throws -> String {
        let http = try BlockingHTTP()
        let deadline = Date().addingTimeInterval(10)
        var leader: Member?
        while leader == nil && Date() < deadline {
            let rows = ClusterStatusRow.poll(self, http: http)
            leader = rows.first { $0.role == "leader" }.flatMap { row in members.first { $0.name == row.name } }
            if leader == nil { Thread.sleep(forTimeInterval: 0.2) }
        }
        guard let leader else { throw CLIError("no leader among the running nodes") }
        guard let token = try AdminToken.read(path: leader.config.adminTokenFile) else {
            throw CLIError("\(leader.name) has no admin token at \(leader.config.adminTokenFile)")
        }
        let address = leader.config.listen.metrics
        guard let response = http.send(host: address.host, port: address.port, method: method, path: path,
                                       headers: ["Authorization": "Bearer \(token)"], timeout: .seconds(timeout)) else {
            throw CLIError("\(leader.name) did not answer on \(address) within \(timeout) s")
        }
        guard response.status == 200 else { throw CLIError("\(leader.name): \(response.bodyText)") }
        return response.bodyText
    }

    /// Starts the joining node `name`, then sends the leader `path(its peer address)`.
    func join(_ name: String, timeout: Int, path: (String) -> String) throws -> String {
        let address = try startJoining(name).config.listen.peer
        return try adminOnLeader(path("\(address.host):\(address.port)"), timeout: timeout)
    }

    /// Starts the joining node `name` unless it runs already.
    func startJoining(_ name: String) throws -> Member {
        guard let member = members.first(where: { $0.name == name }) else {
            throw CLIError("no \(directory)/\(name).toml: write the new node's configuration first (with join = true)")
        }
        guard member.config.join else {
            throw CLIError("\(name).toml must say join = true (a new node learns the membership from the leader)")
        }
        if let pid = runningPID(member) {
            print("\(name): already running (pid \(pid))")
        } else {
            let pid = try start(member)
            print("\(name): started (pid \(pid)), log \(logPath(member))")
        }
        return member
    }

    /// A removed node: stopped if it runs, its configuration renamed to `NAME.toml.removed`
    /// so that `tally cluster up` does not start it again.
    func retire(_ name: String) throws {
        guard let member = members.first(where: { $0.name == name }) else { return }
        if let pid = runningPID(member) {
            kill(pid, SIGTERM)
            print("\(name): stopped (pid \(pid))")
        }
        try? FileManager.default.removeItem(atPath: pidPath(member))
        try FileManager.default.moveItem(atPath: member.configPath, toPath: member.configPath + ".removed")
        print("\(name): configuration moved to \(member.configPath).removed")
    }
}
