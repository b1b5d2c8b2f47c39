// The one file that touches OpenSSL. TLS runs over memory BIOs: the
// connection moves ciphertext between the socket and OpenSSL, and plaintext
// between OpenSSL and nghttp2, so TLS needs no change to the event loop.
import COpenSSL

struct TLSError: Error, CustomStringConvertible {
    let description: String

    /// The oldest queued OpenSSL error, with `context`.
    static func last(_ context: String) -> TLSError {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return TLSError(description: context) }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return TLSError(description: "\(context): \(text)")
    }
}

/// An `SSL_CTX`: certificates, trust roots, ALPN. Shared by every connection
/// of a server or client; freed at deinit.
///
/// `@unchecked Sendable`: an SSL_CTX is safe to share across threads once
/// configured, which `init` finishes before anyone else sees it.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    let isServer: Bool
    let serverHostname: String?

    init(_ configuration: TLSConfiguration, isServer: Bool) throws {
        guard let context = SSL_CTX_new(isServer ? TLS_server_method() : TLS_client_method()) else {
            throw TLSError.last("SSL_CTX_new")
        }
        self.context = context
        self.isServer = isServer
        serverHostname = configuration.serverHostname
        COpenSSL_set_min_tls12(context)
        COpenSSL_set_partial_writes(context)
        if let chain = configuration.certificateChainFile {
            guard SSL_CTX_use_certificate_chain_file(context, chain) == 1 else { throw TLSError.last("certificate chain \(chain)") }
            guard let key = configuration.privateKeyFile, SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                throw TLSError.last("private key \(configuration.privateKeyFile ?? "(none)")")
            }
            guard SSL_CTX_check_private_key(context) == 1 else { throw TLSError.last("private key does not match the certificate") }
        } else if isServer {
            throw TLSError(description: "a TLS server needs certificateChainFile and privateKeyFile")
        }
        if let roots = configuration.trustRootsFile {
            guard SSL_CTX_load_verify_locations(context, roots, nil) == 1 else { throw TLSError.last("trust roots \(roots)") }
        } else if !isServer {
            SSL_CTX_set_default_verify_paths(context)
        }
        if isServer {
            COpenSSL_server_alpn_h2(context)
            if configuration.trustRootsFile != nil {
                SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nil)
            }
        } else {
            COpenSSL_client_alpn_h2(context)
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        }
    }

    deinit {
        SSL_CTX_free(context)
    }
}

/// One TLS connection over memory BIOs. Loop-confined like its connection.
final class TLSSession {
    enum Progress {
        case handshaking
        case established
        case failed(TLSError)
    }

    private let ssl: OpaquePointer
    private let network: OpaquePointer   // ciphertext to and from the socket
    private var pendingPlaintext: [UInt8] = []
    /// Scratch for SSL_read and BIO_read, reused on every call.
    private var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    private(set) var progress = Progress.handshaking

    init(context: TLSContext, host: String) throws {
        guard let ssl = SSL_new(context.context) else { throw TLSError.last("SSL_new") }
        var inner: OpaquePointer?
        var outer: OpaquePointer?
        guard BIO_new_bio_pair(&inner, 64 * 1024, &outer, 64 * 1024) == 1, let inner, let outer else {
            SSL_free(ssl)
            throw TLSError.last("BIO_new_bio_pair")
        }
        SSL_set_bio(ssl, inner, inner)
        self.ssl = ssl
        network = outer
        if context.isServer {
            SSL_set_accept_state(ssl)
        } else {
            let name = context.serverHostname ?? host
            COpenSSL_set_server_name(ssl, name)
            SSL_set1_host(ssl, name)
            SSL_set_connect_state(ssl)
        }
    }

    deinit {
        SSL_free(ssl)   // frees the inner BIO
        BIO_free(network)
    }

    /// Feeds ciphertext read from the socket; returns whether all of it fit
    /// (the pair's buffer is 64 KiB and is drained by `readPlaintext`).
    func feedCiphertext(_ buffer: [UInt8], from offset: Int, count: Int) -> Int {
        buffer.withUnsafeBytes { BIO_write(network, $0.baseAddress! + offset, Int32(count)) }.clampedNonNegative
    }

    /// Decrypts what it can into `output` (appending).
    func readPlaintext(into output: inout [UInt8]) {
        advanceHandshake()
        guard case .established = progress else { return }
        while true {
            let n = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            if n > 0 {
                output.append(contentsOf: chunk[0..<Int(n)])
                continue
            }
            let error = SSL_get_error(ssl, n)
            if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_ZERO_RETURN {
                progress = .failed(TLSError.last("SSL_read"))
            }
            return
        }
    }

    /// Queues plaintext and encrypts as much as the handshake allows.
    func writePlaintext(_ bytes: [UInt8]) {
        pendingPlaintext.append(contentsOf: bytes)
        encryptPending()
    }

    /// Appends ciphertext ready for the socket to `output`.
    func drainCiphertext(into output: inout [UInt8]) {
        // Draining the pair makes room to encrypt more queued plaintext.
        while true {
            advanceHandshake()
            encryptPending()
            var moved = false
            while BIO_ctrl_pending(network) > 0 {
                let n = chunk.withUnsafeMutableBytes { BIO_read(network, $0.baseAddress, Int32($0.count)) }
                guard n > 0 else { break }
                output.append(contentsOf: chunk[0..<Int(n)])
                moved = true
            }
            if !moved || pendingPlaintext.isEmpty { return }
        }
    }

    /// Whether the peer presented a certificate that verified.
    var peerVerified: Bool {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return false }
        X509_free(certificate)
        return SSL_get_verify_result(ssl) == X509_V_OK
    }

    private func advanceHandshake() {
        guard case .handshaking = progress else { return }
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            progress = .established
            return
        }
        let error = SSL_get_error(ssl, rc)
        if error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE {
            let verify = SSL_get_verify_result(ssl)
            let reason = verify == X509_V_OK ? "" : " (certificate: \(String(cString: X509_verify_cert_error_string(Int(verify)))))"
            progress = .failed(TLSError.last("TLS handshake failed\(reason)"))
        }
    }

    private func encryptPending() {
        guard case .established = progress, !pendingPlaintext.isEmpty else { return }
        var written = 0
        while written < pendingPlaintext.count {
            let n = pendingPlaintext.withUnsafeBytes { bytes in
                SSL_write(ssl, bytes.baseAddress! + written, Int32(min(bytes.count - written, 16 * 1024)))
            }
            if n <= 0 { break }   // the BIO pair is full: the rest waits for the next drain
            written += Int(n)
        }
        pendingPlaintext.removeFirst(written)
    }
}

private extension Int32 {
    var clampedNonNegative: Int { self > 0 ? Int(self) : 0 }
}
