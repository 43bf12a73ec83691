import Raft

/// Request channels on the peer link (leader forwarding, journal catch-up).
public enum PeerChannel: UInt8, Sendable {
    case forward = 1
    case catchUp = 2
    case control = 3
}

public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case notConnected(UInt64)
    case timedOut
    case disconnected
    case remote(String)
    case stopped

    public var description: String {
        switch self {
        case .notConnected(let id): return "no link to node \(id)"
        case .timedOut: return "peer did not answer in time"
        case .disconnected: return "peer link closed before the answer"
        case .remote(let why): return "peer refused: \(why)"
        case .stopped: return "transport stopped"
        }
    }
}

/// How a replica reaches the others: Raft messages one way, and requests with
/// one answer each. A node's link is TLS over libuv (`Server.PeerTransport`);
/// the simulator's is a seeded network that drops, delays and partitions.
/// Loop thread only.
public protocol PeerLink: AnyObject {
    typealias Respond = (Result<[UInt8], TransportError>) -> Void
    typealias RequestHandler = (_ from: UInt64, _ payload: [UInt8], _ respond: @escaping Respond) -> Void

    var onRaftMessage: ((Message) -> Void)? { get set }
    func setHandler(_ channel: PeerChannel, _ handler: RequestHandler?)
    func start() throws
    func stop()
    /// Sends a Raft message; false if there is no writable link (Raft resends).
    @discardableResult
    func send(_ m: Message) -> Bool
    /// `completion` runs exactly once, on the loop.
    func request(to peer: UInt64, channel: PeerChannel, payload: [UInt8], timeout: Duration,
                 completion: @escaping Respond)
}
