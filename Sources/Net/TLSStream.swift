import COpenSSL
import Foundation

/// Per-session identity checks beyond the CA chain.
public struct TLSSessionOptions {
    /// Client: sent as SNI and verified against the server certificate
    /// (hostname, or IP address when numeric). Nil: CA chain only.
    public var serverName: String?
    /// Either role: the peer certificate must name this (CN or a SAN), e.g. a node id.
    public var expectedPeerName: String?
    /// Either role: extra check after the handshake; return a reason to refuse.
    public var validator: ((PeerCertificate?) -> String?)?

    public init(serverName: String? = nil, expectedPeerName: String? = nil,
                validator: ((PeerCertificate?) -> String?)? = nil) {
        self.serverName = serverName
        self.expectedPeerName = expectedPeerName
        self.validator = validator
    }
}

/// TLS over any `ByteStream`, with OpenSSL driven through two memory BIOs:
/// ciphertext read from the transport is written into the read BIO, whatever
/// OpenSSL writes to the write BIO is flushed to the transport. Loop thread only.
///
/// Plaintext written before the handshake completes is queued and sent after.
/// `onHandshake` reports success (with the peer certificate) or the failure;
/// a failed handshake then closes with the same error.
public final class TLSStream: ByteStream {
    public private(set) var transport: ByteStream
    public let role: TLSRole
    public var onRead: ((UnsafeRawBufferPointer) -> Void)?
    public var onWritable: (() -> Void)?
    public var onClose: ((NetError?) -> Void)?
    public var onHandshake: ((Result<PeerCertificate?, NetError>) -> Void)?

    public private(set) var isHandshakeComplete = false
    public private(set) var peerCertificate: PeerCertificate?
    /// "TLSv1.3" or "TLSv1.2" once the handshake is done.
    public private(set) var protocolVersion: String?
    public private(set) var cipher: String?

    private let context: TLSContext  // keeps the SSL_CTX alive
    private let options: TLSSessionOptions
    private let ssl: OpaquePointer
    private let rbio: OpaquePointer
    private let wbio: OpaquePointer
    private var pendingPlaintext: [UInt8] = []
    private var closed = false
    private var closeRequested = false
    private var readPaused = false
    private var failure: NetError?
    private var driving = false
    private var driveAgain = false
    private let readBuffer: UnsafeMutableRawPointer
    private static let readBufferSize = 16 * 1024

    public init(transport: ByteStream, context: TLSContext, options: TLSSessionOptions = TLSSessionOptions()) throws {
        self.transport = transport
        self.context = context
        self.role = context.role
        self.options = options
        ERR_clear_error()
        guard let ssl = SSL_new(context.ctx) else { throw NetError(.tls, "SSL_new: \(openSSLErrorText())") }
        guard let rbio = BIO_new(BIO_s_mem()), let wbio = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw NetError(.tls, "BIO_new: \(openSSLErrorText())")
        }
        SSL_set_bio(ssl, rbio, wbio)  // ssl owns both BIOs now
        self.ssl = ssl
        self.rbio = rbio
        self.wbio = wbio
        readBuffer = .allocate(byteCount: TLSStream.readBufferSize, alignment: 16)

        if role == .client {
            SSL_set_connect_state(ssl)
            if let name = options.serverName {
                if SocketAddress.isNumericHost(name) {
                    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
                } else {
                    _ = tally_SSL_set_tlsext_host_name(ssl, name)
                    SSL_set1_host(ssl, name)
                }
            }
        } else {
            SSL_set_accept_state(ssl)
        }

        attach(transport)
        if role == .client { drive() }  // sends ClientHello
    }

    private func attach(_ transport: ByteStream) {
        transport.onRead = { [unowned self] bytes in self.receiveCiphertext(bytes) }
        transport.onWritable = { [unowned self] in self.onWritable?() }
        // The transport holds us strongly through onClose until it has closed.
        transport.onClose = { error in self.transportDidClose(error) }
    }

    /// Goes on over `newTransport`, the same connection opened on another loop
    /// (`TCPConnection.detachDescriptor`): the session, and anything already
    /// received and not yet read, carry over. Call on the new loop's thread,
    /// with nothing left to write on the old transport.
    public func moveTransport(to newTransport: ByteStream) {
        transport = newTransport
        attach(newTransport)
        if readPaused { newTransport.pauseReading() }
        drive()  // plaintext already decrypted is delivered now, not at the next read
    }

    deinit {
        SSL_free(ssl)
        readBuffer.deallocate()
    }

    // MARK: ByteStream

    public var isOpen: Bool { !closed && !closeRequested && transport.isOpen }
    public var isWritable: Bool { isOpen && transport.isWritable }
    public var pendingWriteBytes: Int { transport.pendingWriteBytes + pendingPlaintext.count }
    public var remoteAddress: String? { transport.remoteAddress }

    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard isOpen, bytes.count > 0 else { return }
        if !isHandshakeComplete {
            pendingPlaintext.append(contentsOf: bytes)
            return
        }
        writePlaintext(bytes)
        flushCiphertext()
    }

    public func pauseReading() {
        readPaused = true
        transport.pauseReading()
    }

    public func resumeReading() {
        readPaused = false
        transport.resumeReading()
        drive()  // deliver plaintext already decrypted or buffered
    }

    public func close(graceful: Bool) {
        guard !closed, !closeRequested else { return }
        closeRequested = true
        if graceful && isHandshakeComplete {
            ERR_clear_error()
            SSL_shutdown(ssl)  // queues close_notify
            ERR_clear_error()
            flushCiphertext()
        }
        transport.close(graceful: graceful)
    }

    // MARK: Engine

    private func receiveCiphertext(_ bytes: UnsafeRawBufferPointer) {
        guard !closed, let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = BIO_write(rbio, base + offset, Int32(bytes.count - offset))
            if n <= 0 {
                fail(NetError(.tls, "BIO_write: \(openSSLErrorText())"))
                return
            }
            offset += Int(n)
        }
        drive()
    }

    /// Advances the handshake, then decrypts and delivers what it can.
    /// Re-entrant calls (from callbacks) fold into the running one.
    private func drive() {
        if driving { driveAgain = true; return }
        driving = true
        defer { driving = false }
        repeat {
            driveAgain = false
            driveOnce()
        } while driveAgain && !closed
    }

    private func driveOnce() {
        guard !closed, failure == nil else { return }
        if !isHandshakeComplete {
            clearErrorQueue()
            let r = SSL_do_handshake(ssl)
            if r == 1 {
                flushCiphertext()
                handshakeDidComplete()
                if closed || failure != nil { return }
            } else {
                let e = SSL_get_error(ssl, r)
                flushCiphertext()  // our next flight, or an alert
                if e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE { return }
                fail(handshakeError(e))
                return
            }
        }
        readPlaintext()
    }

    private func readPlaintext() {
        while !closed && !readPaused && failure == nil {
            clearErrorQueue()
            let n = SSL_read(ssl, readBuffer, Int32(TLSStream.readBufferSize))
            if n > 0 {
                onRead?(UnsafeRawBufferPointer(start: readBuffer, count: Int(n)))
                // Nothing buffered in OpenSSL and no ciphertext left: another SSL_read could only
                // answer "want read" (it would still cost a pass through the record layer).
                if SSL_has_pending(ssl) == 0 && BIO_ctrl_pending(rbio) == 0 { break }
                continue
            }
            let e = SSL_get_error(ssl, n)
            if e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE { break }
            if e == SSL_ERROR_ZERO_RETURN {
                // close_notify from the peer: answer it and finish.
                flushCiphertext()
                close(graceful: true)
                return
            }
            fail(NetError(.tls, "read: \(openSSLErrorText(errorName(e)))"))
            return
        }
        flushCiphertext()  // SSL_read may answer key updates and the like
    }

    private func writePlaintext(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count && failure == nil {
            clearErrorQueue()
            let chunk = Int32(min(bytes.count - offset, 1 << 30))
            let n = SSL_write(ssl, base + offset, chunk)
            if n > 0 {
                offset += Int(n)
            } else {
                fail(NetError(.tls, "write: \(openSSLErrorText(errorName(SSL_get_error(ssl, n))))"))
                return
            }
        }
    }

    /// Moves everything OpenSSL has produced to the transport.
    private func flushCiphertext() {
        while BIO_ctrl_pending(wbio) > 0 {
            var data: UnsafeMutablePointer<CChar>?
            let n = tally_BIO_get_mem_data(wbio, &data)
            guard n > 0, let data else { break }
            transport.write(UnsafeRawBufferPointer(start: data, count: n))
            _ = tally_BIO_reset(wbio)
        }
    }

    private func handshakeDidComplete() {
        protocolVersion = String(cString: SSL_get_version(ssl))
        if let c = SSL_get_current_cipher(ssl) { cipher = String(cString: SSL_CIPHER_get_name(c)) }
        if let cert = SSL_get1_peer_certificate(ssl) {
            peerCertificate = PeerCertificate(x509: cert)
            X509_free(cert)
        }
        if let expected = options.expectedPeerName, peerCertificate?.names(expected) != true {
            let got = peerCertificate.map { $0.subject } ?? "no certificate"
            fail(NetError(.verification, "peer certificate (\(got)) does not name \(expected)"))
            return
        }
        if let validator = options.validator, let reason = validator(peerCertificate) {
            fail(NetError(.verification, reason))
            return
        }
        isHandshakeComplete = true  // only once the identity checks have passed
        onHandshake?(.success(peerCertificate))
        onHandshake = nil
        if !pendingPlaintext.isEmpty && !closed {
            let queued = pendingPlaintext
            pendingPlaintext = []
            queued.withUnsafeBytes { writePlaintext($0) }
            flushCiphertext()
        }
    }

    private func handshakeError(_ e: Int32) -> NetError {
        var text = openSSLErrorText(e == SSL_ERROR_SYSCALL ? "connection closed during handshake" : errorName(e))
        let v = SSL_get_verify_result(ssl)
        if v != Int(X509_V_OK) {
            text += "; certificate verification: \(String(cString: X509_verify_cert_error_string(v)))"
        }
        return NetError(.tls, "handshake failed: \(text)")
    }

    private func errorName(_ e: Int32) -> String {
        switch e {
        case SSL_ERROR_SSL: return "SSL_ERROR_SSL"
        case SSL_ERROR_SYSCALL: return "SSL_ERROR_SYSCALL (unexpected EOF)"
        case SSL_ERROR_ZERO_RETURN: return "SSL_ERROR_ZERO_RETURN"
        default: return "SSL error \(e)"
        }
    }

    /// Empties this thread's OpenSSL error queue, as `SSL_get_error` needs before each I/O call.
    /// `ERR_clear_error` resets all sixteen slots (≈ 1,700 instructions) even when the queue is
    /// empty, as it almost always is, so it runs only when `ERR_peek_error` finds an error.
    private func clearErrorQueue() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// Records the first error and closes the transport (after flushing any alert).
    private func fail(_ error: NetError) {
        guard failure == nil, !closed else { return }
        failure = error
        flushCiphertext()
        closeRequested = true
        transport.close(graceful: true)
    }

    private func transportDidClose(_ transportError: NetError?) {
        guard !closed else { return }
        closed = true
        var error = failure ?? transportError
        if !isHandshakeComplete && error == nil {
            error = NetError(.tls, "connection closed during handshake")
        }
        if let hs = onHandshake {  // not yet reported: the handshake failed
            onHandshake = nil
            hs(.failure(error ?? NetError(.tls, "connection closed during handshake")))
        }
        let cb = onClose
        onRead = nil
        onWritable = nil
        onClose = nil
        onHandshake = nil
        transport.onRead = nil
        transport.onWritable = nil
        transport.onClose = nil
        cb?(error)
    }
}
