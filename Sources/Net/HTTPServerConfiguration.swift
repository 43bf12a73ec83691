/// Limits and timeouts of the HTTP/1.1 server.
public struct HTTPServerConfiguration {
    public var host: String
    public var port: Int
    /// Serve HTTPS with this server context; nil serves plain HTTP.
    public var tls: TLSContext?
    /// Request line plus header fields; more gets 431 and a close.
    public var maxHeaderBytes = 32 * 1024
    /// Request body; more gets 413 and a close.
    public var maxBodyBytes = 8 * 1024 * 1024
    /// Body bytes buffered across all connections for requests not yet handed
    /// to the handler; a request that would pass it gets 503 + close.
    public var maxBufferedBodyBytes = 64 * 1024 * 1024
    /// From connection open (first request) or the first byte of a later
    /// request until its headers are complete; a TLS handshake counts too.
    public var headerTimeout: Duration = .seconds(10)
    /// From headers complete until the body is complete.
    public var bodyTimeout: Duration = .seconds(60)
    /// Keep-alive connection with no request in progress; also the longest a
    /// response may stall because the client does not read.
    public var idleTimeout: Duration = .seconds(60)
    public var watermarks = WriteWatermarks()
    /// Unparsed pipelined bytes buffered while a request is handled; above
    /// this the connection stops reading.
    public var maxBufferedBytes = 1024 * 1024
    /// Chunk size pulled from a streamed response body.
    public var streamChunkSize = 64 * 1024
    public var maxConnections = 10_000

    public init(host: String = "127.0.0.1", port: Int = 0, tls: TLSContext? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}

public struct HTTPServerStats: Sendable, Equatable {
    public var connectionsAccepted = 0
    /// Connections moved here from another server between two requests, and away.
    public var connectionsMovedIn = 0
    public var connectionsMovedOut = 0
    public var connectionsRefused = 0
    public var requests = 0
    public var badRequests = 0
    /// Requests the handler refused from their head (`shouldAccept`).
    public var rejectedHeads = 0
    /// Requests refused because `maxBufferedBodyBytes` was in use.
    public var bodyBudgetRefusals = 0
    /// Most body bytes ever reserved at once, across all connections.
    public var peakBufferedBodyBytes = 0
    public var timeouts = 0
    public var tlsHandshakeFailures = 0
    /// Largest write backlog seen on any connection (bytes not yet in the kernel).
    public var peakPendingWriteBytes = 0
}
