import Net

/// `GET /console/…`: the console's static files, with no authentication
/// (they hold no data; every call the page makes is signed by the page).
/// Served by whichever node receives the request, never forwarded.
enum ConsoleStaticRoute {
    /// Whether `path` belongs to the static part of the console.
    static func matches(_ path: String) -> Bool {
        (path == "/console" || path.hasPrefix(ConsoleFiles.prefix)) && !path.hasPrefix(ConsoleClusterView.apiPrefix)
    }

    static func response(method: String, path: String) -> HTTPResponse {
        guard method == "GET" || method == "HEAD" else {
            var r = HTTPResponse.text("method not allowed\n", status: 405)
            r.headers.set("Allow", "GET, HEAD")
            return r
        }
        if path == "/console" {
            var r = HTTPResponse(status: 301)
            r.headers.set("Location", ConsoleFiles.prefix)
            return r
        }
        guard let file = ConsoleFiles.file(forPath: path) else {
            return secured(.text("not found\n", status: 404))
        }
        var r = HTTPResponse(status: 200, body: method == "HEAD" ? [] : file.bytes)
        r.headers.set("Content-Type", file.contentType)
        r.headers.set("Cache-Control", "no-cache")
        return secured(r)
    }

    /// Only this origin's files and calls; no framing; no sniffing.
    static func secured(_ response: HTTPResponse) -> HTTPResponse {
        var r = response
        r.headers.set("Content-Security-Policy",
                      "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
                        + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'")
        r.headers.set("X-Content-Type-Options", "nosniff")
        r.headers.set("Referrer-Policy", "no-referrer")
        r.headers.set("X-Frame-Options", "DENY")
        return r
    }
}
