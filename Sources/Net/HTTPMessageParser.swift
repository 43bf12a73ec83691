import CHTTPParser
import Foundation

/// One parsed HTTP message (request or response).
struct HTTPMessage {
    var method = ""
    var url = ""
    var status = 0
    var headers = HTTPHeaders()
    var body: [UInt8] = []
    var versionMajor = 1
    var versionMinor = 1
    var keepAlive = true
    var upgrade = false
}

/// http_parser behind a Swift interface, with size limits.
///
/// After each complete message the parser pauses: `execute` returns how many
/// bytes it consumed, `takeMessage()` hands the message over, and nothing more
/// is parsed until `resume()` — so pipelined requests are handled one at a time.
final class HTTPMessageParser {
    enum Failure: Equatable {
        case malformed(String)
        case headersTooLarge
        case bodyTooLarge
        /// `onHeadersComplete` or `onBody` refused the message; the caller knows why.
        case refused
    }

    let maxHeaderBytes: Int
    let maxBodyBytes: Int
    /// The current message's body limit: `maxBodyBytes` unless lowered by
    /// `onHeadersComplete`.
    var bodyLimit: Int
    private let parser: UnsafeMutablePointer<http_parser>
    private let settings: UnsafeMutablePointer<http_parser_settings>
    private(set) var failure: Failure?

    // Message under construction.
    private var current = HTTPMessage()
    private var url: [UInt8] = []
    private var field: [UInt8] = []
    private var value: [UInt8] = []
    private var inValue = false
    /// Set once the head is complete: fields after it (a chunked body's trailers) are counted
    /// against `maxHeaderBytes` and dropped, never merged into the headers the head check saw.
    private var inTrailers = false
    private var headerBytes = 0
    private var completed: HTTPMessage?
    /// The previous message's fields: a client sends most of them again, byte for
    /// byte and in the same place, and an equal field reuses their strings.
    private var previousFields: [(name: String, value: String)] = []
    /// A signed session request's head is about 1 KiB.
    static let rememberedHeadBytes = 8 * 1024
    /// For response parsing: the next response answers a HEAD request (no body).
    var expectNoBody = false

    var onMessageBegin: (() -> Void)?
    /// After the headers, before any body byte: the head and its
    /// `Content-Length` (nil when chunked or absent). Return false to stop
    /// parsing with `.refused`; may lower `bodyLimit`.
    var onHeadersComplete: ((HTTPMessage, Int?) -> Bool)?
    /// Before each piece of body is kept; return false to stop with `.refused`.
    var onBody: ((Int) -> Bool)?

    init(request: Bool, maxHeaderBytes: Int, maxBodyBytes: Int) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
        bodyLimit = maxBodyBytes
        parser = .allocate(capacity: 1)
        parser.initialize(to: http_parser())
        if request { tally_http_parser_init_request(parser) } else { tally_http_parser_init_response(parser) }
        settings = .allocate(capacity: 1)
        settings.initialize(to: http_parser_settings())
        http_parser_settings_init(settings)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()

        settings.pointee.on_message_begin = { p in HTTPMessageParser.from(p).messageBegin() }
        settings.pointee.on_url = { p, at, n in HTTPMessageParser.from(p).appendURL(at, n) }
        settings.pointee.on_status = { _, _, _ in 0 }
        settings.pointee.on_header_field = { p, at, n in HTTPMessageParser.from(p).appendField(at, n) }
        settings.pointee.on_header_value = { p, at, n in HTTPMessageParser.from(p).appendValue(at, n) }
        settings.pointee.on_headers_complete = { p in HTTPMessageParser.from(p).headersComplete() }
        settings.pointee.on_body = { p, at, n in HTTPMessageParser.from(p).appendBody(at, n) }
        settings.pointee.on_message_complete = { p in HTTPMessageParser.from(p).messageComplete() }
    }

    deinit {
        parser.deallocate()
        settings.deallocate()
    }

    private static func from(_ p: UnsafeMutablePointer<http_parser>?) -> HTTPMessageParser {
        Unmanaged<HTTPMessageParser>.fromOpaque(p!.pointee.data!).takeUnretainedValue()
    }

    /// Feeds bytes; returns how many were consumed (fewer when a message
    /// completed or on failure). Never call with an empty buffer: that means EOF.
    func execute(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard failure == nil, let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        let n = http_parser_execute(parser, settings, base.assumingMemoryBound(to: CChar.self), bytes.count)
        checkError()
        return n
    }

    /// Tells the parser the stream ended (completes a read-until-close body).
    func finish() {
        guard failure == nil, !isPaused else { return }
        _ = http_parser_execute(parser, settings, nil, 0)
        checkError()
    }

    private func checkError() {
        if failure == nil && tally_http_parser_errno(parser) != 0 && tally_http_parser_is_paused(parser) == 0 {
            let name = String(cString: tally_http_parser_errno_name(parser))
            let text = String(cString: tally_http_parser_errno_description(parser))
            failure = .malformed("\(name): \(text)")
        }
    }

    var isPaused: Bool { tally_http_parser_is_paused(parser) != 0 }

    /// True between the first byte of a message and its end.
    private(set) var inMessage = false

    func takeMessage() -> HTTPMessage? {
        defer { completed = nil }
        return completed
    }

    func resume() { http_parser_pause(parser, 0) }

    // MARK: callbacks

    private func messageBegin() -> Int32 {
        current = HTTPMessage()
        current.headers.reserveCapacity(16)   // a signed request has about 12 fields
        url.removeAll(keepingCapacity: true)
        field.removeAll(keepingCapacity: true)
        value.removeAll(keepingCapacity: true)
        inValue = false
        inTrailers = false
        headerBytes = 0
        bodyLimit = maxBodyBytes
        inMessage = true
        onMessageBegin?()
        return 0
    }

    private func countHeader(_ n: Int) -> Bool {
        headerBytes += n
        if headerBytes > maxHeaderBytes {
            failure = .headersTooLarge
            return false
        }
        return true
    }

    private func appendURL(_ at: UnsafePointer<CChar>?, _ n: Int) -> Int32 {
        guard countHeader(n), let at else { return failure == nil ? 0 : 1 }
        at.withMemoryRebound(to: UInt8.self, capacity: n) { url.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
        return 0
    }

    private func commitHeader() {
        if !field.isEmpty {
            // Names are case-insensitive: kept in lower case (as HTTP/2 sends them), so the
            // lookups and SigV4's canonical headers never lower-case them again.
            field.withUnsafeMutableBufferPointer { name in
                for i in name.indices where name[i] >= UInt8(ascii: "A") && name[i] <= UInt8(ascii: "Z") { name[i] |= 0x20 }
            }
            let position = current.headers.count
            if position < previousFields.count, Self.same(previousFields[position].name, field),
               Self.same(previousFields[position].value, value) {
                current.headers.addLowerCased(previousFields[position].name, previousFields[position].value)
            } else {
                current.headers.addLowerCased(String(decoding: field, as: UTF8.self), String(decoding: value, as: UTF8.self))
            }
        }
        field.removeAll(keepingCapacity: true)
        value.removeAll(keepingCapacity: true)
        inValue = false
    }

    /// Whether `text`'s UTF-8 is exactly `bytes`.
    private static func same(_ text: String, _ bytes: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { t in
            t.count == bytes.count && bytes.withUnsafeBufferPointer { b in
                t.isEmpty || memcmp(t.baseAddress!, b.baseAddress!, t.count) == 0
            }
        }
    }

    private func appendField(_ at: UnsafePointer<CChar>?, _ n: Int) -> Int32 {
        guard countHeader(n + 4), let at else { return 1 }
        if inTrailers { return 0 }
        if inValue { commitHeader() }
        at.withMemoryRebound(to: UInt8.self, capacity: n) { field.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
        return 0
    }

    private func appendValue(_ at: UnsafePointer<CChar>?, _ n: Int) -> Int32 {
        guard countHeader(n), let at else { return 1 }
        if inTrailers { return 0 }
        inValue = true
        at.withMemoryRebound(to: UInt8.self, capacity: n) { value.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
        return 0
    }

    private func headersComplete() -> Int32 {
        commitHeader()
        inTrailers = true
        current.url = String(decoding: url, as: UTF8.self)
        current.method = String(cString: tally_http_parser_method(parser))
        current.status = Int(tally_http_parser_status(parser))
        current.versionMajor = Int(parser.pointee.http_major)
        current.versionMinor = Int(parser.pointee.http_minor)
        let length = tally_http_parser_content_length(parser)
        if length != UInt64.max && length > UInt64(bodyLimit) {
            failure = .bodyTooLarge
            return -1
        }
        let contentLength = length == UInt64.max ? nil : Int(length)
        if let check = onHeadersComplete, !check(current, contentLength) {
            failure = .refused
            return -1
        }
        if let n = contentLength, n > bodyLimit {
            failure = .bodyTooLarge
            return -1
        }
        if let n = contentLength, n > 0 {
            current.body.reserveCapacity(min(n, 1024 * 1024))  // grows as bytes really arrive
        }
        if expectNoBody {
            expectNoBody = false
            return 1
        }
        return 0
    }

    private func appendBody(_ at: UnsafePointer<CChar>?, _ n: Int) -> Int32 {
        guard let at else { return 0 }
        if current.body.count + n > bodyLimit {
            failure = .bodyTooLarge
            return 1
        }
        if let check = onBody, !check(n) {
            failure = .refused
            return 1
        }
        at.withMemoryRebound(to: UInt8.self, capacity: n) { current.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: n)) }
        return 0
    }

    private func messageComplete() -> Int32 {
        current.keepAlive = http_should_keep_alive(parser) != 0
        current.upgrade = tally_http_parser_upgrade(parser) != 0
        if current.upgrade { current.keepAlive = false }
        // Kept only for a head of ordinary size: a large one is not held between requests.
        previousFields = headerBytes <= Self.rememberedHeadBytes ? current.headers.entries : []
        completed = current
        current = HTTPMessage()
        inMessage = false
        http_parser_pause(parser, 1)
        return 0
    }
}
