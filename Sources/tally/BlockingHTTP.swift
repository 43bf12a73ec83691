import Foundation
import Net

/// Synchronous HTTP for the command line (status polls, admin calls), on a
/// private event loop.
final class BlockingHTTP {
    private let loop: EventLoop

    init() throws {
        loop = try EventLoop(name: "tally-cli")
        loop.start()
    }

    deinit { loop.shutdown() }

    /// nil when the server cannot be reached within `timeout`.
    func send(host: String, port: Int, method: String = "GET", path: String, headers: HTTPHeaders = HTTPHeaders(),
              timeout: Duration = .seconds(5)) -> HTTPResponse? {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        loop.execute {
            HTTPClient.connect(loop: self.loop, host: host, port: port, timeout: timeout) { result in
                guard case .success(let client) = result else {
                    done.signal()
                    return
                }
                client.responseTimeout = timeout
                client.send(HTTPClient.Request(method: method, target: path, headers: headers)) { response in
                    box.response = try? response.get()
                    client.close()
                    done.signal()
                }
            }
        }
        _ = done.wait(timeout: .now() + .seconds(Int(timeout.components.seconds) + 2))
        return box.response
    }

    private final class ResultBox: @unchecked Sendable {
        var response: HTTPResponse?
    }
}
