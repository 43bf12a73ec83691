import Foundation
import Checksum
import Net
import Raft
import Replica

/// One member of the cluster as the transport sees it.
public struct ClusterPeer: Sendable, Equatable {
    /// The node id from the configuration ("node2"); the peer's certificate must carry it (CN or SAN).
    public var name: String
    /// Raft's numeric id (see `ClusterNodeID`).
    public var id: UInt64
    public var host: String
    public var port: Int

    public init(name: String, id: UInt64? = nil, host: String, port: Int) throws {
        self.name = name
        guard let n = id ?? ClusterNodeID.numeric(name) else { throw ClusterNodeID.Invalid(name: name) }
        self.id = n
        self.host = host
        self.port = port
    }
}

/// PEM files for the peer link: this node's certificate and key (CN/SAN = its
/// node id) and the cluster CA every member's certificate chains to.
public struct PeerTLSFiles: Sendable, Equatable {
    public var certificateFile: String
    public var privateKeyFile: String
    public var caFile: String
    public init(certificateFile: String, privateKeyFile: String, caFile: String) {
        self.certificateFile = certificateFile
        self.privateKeyFile = privateKeyFile
        self.caFile = caFile
    }
}

/// Raft messages and request/response exchanges between nodes over mutually
/// authenticated TLS (Net's `PeerListener` / `PeerConnection`). Loop thread only.
///
/// Each node dials every peer (outbound link: Raft messages and requests go
/// out there) and accepts every peer (inbound link: Raft messages and
/// requests come in there; responses go back on it). Frame payloads:
/// ```
/// 1 raft      RaftMessageCodec bytes
/// 2 request   u64 id, u8 channel, payload
/// 3 response  u64 id, u8 status (0 ok, 1 error: payload is UTF-8 text), payload
/// ```
/// A Raft message whose `from` is not the id in the sender's certificate, or
/// that does not decode, is dropped (`droppedMessages`).
public final class PeerTransport: PeerLink {
    public typealias Channel = PeerChannel

    public let loop: EventLoop
    public let selfName: String
    public let selfID: UInt64
    /// The peers this node dials and accepts; grows when a member is added (`addPeer`).
    public private(set) var peers: [ClusterPeer]
    private let listenHost: String
    private let listenPort: Int
    private let tlsFiles: PeerTLSFiles?
    private var listener: PeerListener?
    /// The client context outbound links are made with (nil: plain TCP, or not started).
    private var clientTLS: TLSContext?
    private var started = false
    private var outbound: [UInt64: PeerConnection] = [:]
    private var inbound: [ObjectIdentifier: FramedConnection] = [:]
    private var pending: [UInt64: (peer: UInt64, done: Respond, timer: TimerHandle)] = [:]
    private var nextRequestID: UInt64 = 1
    private var handlers: [Channel: RequestHandler] = [:]
    private var stopped = false

    public var onRaftMessage: ((Message) -> Void)?
    /// Outbound link to a peer came up.
    public var onPeerConnected: ((UInt64) -> Void)?
    public var onPeerDisconnected: ((UInt64) -> Void)?
    public private(set) var droppedMessages = 0
    public var backoff = Backoff()
    public var connectTimeout: Duration = .seconds(5)

    public init(loop: EventLoop, selfName: String, selfID: UInt64, listenHost: String, listenPort: Int,
                peers: [ClusterPeer], tls: PeerTLSFiles?) {
        self.loop = loop
        self.selfName = selfName
        self.selfID = selfID
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.peers = peers.filter { $0.id != selfID }
        self.tlsFiles = tls
    }

    /// The bound peer port (useful when configured with port 0).
    public var port: Int { listener?.port ?? 0 }
    /// Inbound handshakes refused (wrong CA, unknown node id, no certificate).
    public var rejectedConnections: Int { listener?.rejected ?? 0 }
    public var lastRejection: String? { listener?.lastRejection.map { "\($0)" } }

    public func isConnected(to peer: UInt64) -> Bool { outbound[peer]?.isConnected == true }

    public func setHandler(_ channel: Channel, _ handler: RequestHandler?) { handlers[channel] = handler }

    /// The server (inbound) and client (outbound) contexts from the PEM files, read now.
    private func makeTLS() throws -> (server: TLSContext?, client: TLSContext?) {
        guard let f = tlsFiles else { return (nil, nil) }
        let server = try TLSContext(.server(certificateChain: .file(f.certificateFile), privateKey: .file(f.privateKeyFile),
                                            clientCA: .file(f.caFile)), role: .server)
        let client = try TLSContext(.client(trustRoots: .file(f.caFile), certificateChain: .file(f.certificateFile),
                                            privateKey: .file(f.privateKeyFile)), role: .client)
        return (server, client)
    }

    /// Re-reads the certificate, key and CA files for links made from now on
    /// (certificate rotation); links up now stay up. Throws, changing nothing,
    /// when the files do not make a valid context. Loop thread.
    public func reloadTLS() throws {
        let (serverTLS, clientTLS) = try makeTLS()
        listener?.tls = serverTLS
        for c in outbound.values { c.tls = clientTLS }
        self.clientTLS = clientTLS
    }

    /// Binds the listener and starts dialling every peer. Loop thread.
    public func start() throws {
        let (serverTLS, clientTLS) = try makeTLS()
        self.clientTLS = clientTLS
        // Consulted at each handshake, so that added members are accepted.
        let authorize: (PeerCertificate?) -> String? = { [weak self] cert in
            PeerListener.allowing(Set(self?.peers.map(\.name) ?? []))(cert)
        }
        listener = try PeerListener(loop: loop, host: listenHost, port: listenPort, tls: serverTLS,
                                    authorize: authorize) { [weak self] link in
            self?.accepted(link)
        }
        started = true
        for p in peers { dial(p) }
    }

    /// Adds (or re-addresses) a member: accepted from now on, and dialled. Loop thread.
    public func addPeer(_ p: ClusterPeer) {
        guard p.id != selfID, !stopped else { return }
        if let i = peers.firstIndex(where: { $0.id == p.id }) {
            if peers[i] == p { return }
            peers[i] = p
            outbound.removeValue(forKey: p.id)?.stop()
        } else {
            peers.append(p)
        }
        NodeLog.raft.notice("peer added", metadata: ["peer": "\(p.name)", "address": "\(p.host):\(p.port)"])
        if started { dial(p) }
    }

    private func dial(_ p: ClusterPeer) {
        let c = PeerConnection(loop: loop, host: p.host, port: p.port, tls: clientTLS,
                               expectedPeerName: tlsFiles == nil ? nil : p.name, backoff: backoff)
        c.connectTimeout = connectTimeout
        c.onFrame = { [weak self] payload in self?.outboundFrame(payload, from: p.id) }
        c.onConnect = { [weak self] _ in
            NodeLog.raft.info("peer connected", metadata: ["peer": "\(p.name)", "address": "\(p.host):\(p.port)"])
            self?.onPeerConnected?(p.id)
        }
        c.onDisconnect = { [weak self] error in
            NodeLog.raft.warning("peer disconnected", metadata: [
                "peer": "\(p.name)", "address": "\(p.host):\(p.port)", "reason": "\(error.map { "\($0)" } ?? "closed")"])
            self?.failPending(peer: p.id, .disconnected)
            self?.onPeerDisconnected?(p.id)
        }
        outbound[p.id] = c
        c.start()
    }

    public func stop() {
        guard !stopped else { return }
        stopped = true
        listener?.close()
        listener = nil
        for c in outbound.values { c.stop() }
        outbound = [:]
        for l in inbound.values { l.close() }
        inbound = [:]
        for id in Array(pending.keys) { finish(id, .failure(.stopped)) }
    }

    /// Sends a Raft message; false if there is no writable link (Raft resends).
    @discardableResult
    public func send(_ m: Message) -> Bool {
        guard let c = outbound[m.to], c.isWritable else { return false }
        return c.send([1] + RaftMessageCodec.encode(m))
    }

    /// Sends a request on `channel` to `peer`; `completion` runs exactly once on the loop.
    public func request(to peer: UInt64, channel: Channel, payload: [UInt8], timeout: Duration = .seconds(10),
                        completion: @escaping Respond) {
        guard !stopped, let c = outbound[peer], c.isConnected else {
            completion(.failure(stopped ? .stopped : .notConnected(peer)))
            return
        }
        let id = nextRequestID
        nextRequestID += 1
        var w = ByteWriter()
        w.u8(2)
        w.u64(id)
        w.u8(channel.rawValue)
        w.raw(payload)
        let timer = loop.scheduleTimer(after: timeout) { [weak self] in self?.finish(id, .failure(.timedOut)) }
        pending[id] = (peer, completion, timer)
        if !c.send(w.bytes) { finish(id, .failure(.notConnected(peer))) }
    }

    // MARK: Internals

    private func finish(_ id: UInt64, _ result: Result<[UInt8], TransportError>) {
        guard let p = pending.removeValue(forKey: id) else { return }
        p.timer.cancel()
        p.done(result)
    }

    private func failPending(peer: UInt64, _ error: TransportError) {
        for (id, p) in pending where p.peer == peer { finish(id, .failure(error)) }
    }

    private func peerID(of link: FramedConnection) -> UInt64? {
        if tlsFiles == nil { return nil }
        guard let cert = link.peerCertificate else { return nil }
        return peers.first { cert.names($0.name) }?.id
    }

    private func accepted(_ link: FramedConnection) {
        guard !stopped else { return link.close() }
        let key = ObjectIdentifier(link)
        let from = peerID(of: link)
        inbound[key] = link
        link.onFrame = { [weak self, weak link] payload in
            guard let self, let link else { return }
            self.inboundFrame(payload, from: from, link: link)
        }
        link.onClose = { [weak self] _ in self?.inbound.removeValue(forKey: key) }
    }

    private func inboundFrame(_ payload: [UInt8], from: UInt64?, link: FramedConnection) {
        guard let tag = payload.first else { return }
        switch tag {
        case 1:
            guard let m = try? RaftMessageCodec.decode(Array(payload[1...])),
                  m.to == selfID, from == nil || m.from == from else {
                droppedMessages += 1
                return
            }
            onRaftMessage?(m)
        case 2:
            var r = ByteReader(payload, from: 1)
            guard let id = try? r.u64(), let ch = try? r.u8() else { droppedMessages += 1; return }
            let body = Array(payload[r.pos...])
            let respond: Respond = { [weak link] result in
                guard let link else { return }
                var w = ByteWriter()
                w.u8(3)
                w.u64(id)
                switch result {
                case .success(let bytes): w.u8(0); w.raw(bytes)
                case .failure(let e): w.u8(1); w.raw(Array("\(e)".utf8))
                }
                link.send(w.bytes)
            }
            guard let channel = Channel(rawValue: ch), let h = handlers[channel] else {
                respond(.failure(.remote("no handler for channel \(ch)")))
                return
            }
            h(from ?? 0, body, respond)
        default:
            droppedMessages += 1
        }
    }

    private func outboundFrame(_ payload: [UInt8], from peer: UInt64) {
        guard payload.first == 3 else { droppedMessages += 1; return }
        var r = ByteReader(payload, from: 1)
        guard let id = try? r.u64(), let status = try? r.u8() else { droppedMessages += 1; return }
        guard let p = pending[id], p.peer == peer else { return }
        let body = Array(payload[r.pos...])
        finish(id, status == 0 ? .success(body) : .failure(.remote(String(decoding: body, as: UTF8.self))))
    }
}
