import Logging

/// The replica's loggers (the node installs the handler: `Server.NodeLog.bootstrap`).
public enum ReplicaLog {
    public static let raft = Logger(label: "tally.raft")
    public static let storage = Logger(label: "tally.storage")
}
