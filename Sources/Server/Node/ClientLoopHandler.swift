import Net

/// The client port on a loop of its own, so that a node uses two cores: TLS,
/// HTTP parsing, the head checks, SigV4 verification and the session API's
/// request decoding run on the client loop; the request then hops to the
/// node's loop (sessions, statements, Raft, apply) and its response hops back.
/// A connection still answers its requests in order: it sends the next one
/// only after the last response.
final class ClientLoopHandler: HTTPHandler {
    private let router: ClientRouter
    private let nodeLoop: EventLoop
    private let clientLoop: EventLoop

    init(router: ClientRouter, nodeLoop: EventLoop, clientLoop: EventLoop) {
        self.router = router
        self.nodeLoop = nodeLoop
        self.clientLoop = clientLoop
    }

    /// Only the request, the credentials and fixed limits: safe on the client loop.
    func shouldAccept(_ head: HTTPRequest, contentLength: Int?) -> HTTPHeadDecision {
        router.shouldAccept(head, contentLength: contentLength)
    }

    func handle(_ request: HTTPRequest, respond: @escaping (HTTPResponse) -> Void) {
        let prepared = router.prepare(request)
        let clientLoop = self.clientLoop
        let reply: (HTTPResponse) -> Void = { response in clientLoop.execute { respond(response) } }
        nodeLoop.execute { [router] in router.handle(request, prepared: prepared, respond: reply) }
    }
}
