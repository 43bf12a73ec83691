import Logging

/// The replica's loggers (the node installs the handler: `Server.NodeLog.bootstrap`;
/// the simulator replaces them with silent ones).
public enum ReplicaLog {
    public static var raft = Logger(label: "tally.raft")
    public static var storage = Logger(label: "tally.storage")
}
