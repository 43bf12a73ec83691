import Ledger
import Net

/// Test-only fault injection (`Failpoints`): armed from `TALLY_FAILPOINTS` at
/// start and changed by `POST /admin/failpoints?set=SPEC`, both only with
/// `[testing] failpoints = true`. Fsync faults are confined to this node's
/// data directory; the clock offset is process-wide.
extension Node {
    static func armFailpoints(_ config: NodeConfig, environment: [String: String]) throws {
        let spec = environment["TALLY_FAILPOINTS"] ?? ""
        guard config.testing.failpoints else {
            guard spec.isEmpty else {
                throw FailpointError("TALLY_FAILPOINTS is set but the configuration does not say [testing] failpoints = true; refusing to start")
            }
            return
        }
        NodeLog.node.warning("failpoints enabled ([testing] failpoints = true): for fault-injection tests only",
                             metadata: ["TALLY_FAILPOINTS": "\(spec)"])
        Failpoints.arm(try .parse(spec, pathPrefix: failpointPrefix(config)))
    }

    static func failpointPrefix(_ config: NodeConfig) -> String {
        config.dataDirectory.hasSuffix("/") ? config.dataDirectory : config.dataDirectory + "/"
    }

    /// `POST /admin/failpoints?set=SPEC` (after the admin checks).
    func setFailpoints(_ spec: String?) -> HTTPResponse {
        guard config.testing.failpoints else {
            return .text("failpoints are off (set [testing] failpoints = true, for tests only)\n", status: 404)
        }
        guard let spec else { return .text("name the failpoints: /admin/failpoints?set=SPEC (empty or off disarms)\n", status: 400) }
        do {
            let settings = try Failpoints.Settings.parse(spec, pathPrefix: Node.failpointPrefix(config))
            Failpoints.arm(settings)
            NodeLog.node.warning("failpoints set", metadata: ["spec": "\(spec)"])
            return .text("failpoints: \(spec.isEmpty ? "off" : spec)\n")
        } catch {
            return .text("\(error)\n", status: 400)
        }
    }
}
