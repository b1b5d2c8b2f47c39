/// The bytes between a socket and an nghttp2 session, optionally through
/// TLS: reads until the socket would block, writes until it would block and
/// then waits for writability. Shared by server and client connections.
final class SocketTransport {
    enum ReadOutcome {
        case wouldBlock
        case closed
        case failed(String)
    }

    let fd: Int32
    let loop: EventLoop
    let tls: TLSSession?
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    private var plaintext: [UInt8] = []
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var writeInterest = false
    private(set) var isClosed = false

    init(fd: Int32, loop: EventLoop, tls: TLSSession?) {
        self.fd = fd
        self.loop = loop
        self.tls = tls
    }

    /// Reads what is available and hands the plaintext to `receive`, which
    /// returns false on an HTTP/2 protocol error.
    func read(_ receive: ([UInt8], Int) -> Bool) -> ReadOutcome {
        while !isClosed {
            switch Syscalls.read(fd, into: &readBuffer) {
            case .bytes(let n):
                if let tls {
                    var offset = 0
                    while offset < n {
                        let fed = tls.feedCiphertext(readBuffer, from: offset, count: n - offset)
                        offset += fed
                        plaintext.removeAll(keepingCapacity: true)
                        tls.readPlaintext(into: &plaintext)
                        if case .failed(let error) = tls.progress { return .failed(error.description) }
                        if !plaintext.isEmpty && !receive(plaintext, plaintext.count) { return .failed("HTTP/2 protocol error") }
                        if fed == 0 && plaintext.isEmpty { return .failed("TLS input stalled") }
                    }
                } else if !receive(readBuffer, n) {
                    return .failed("HTTP/2 protocol error")
                }
                if n < readBuffer.count { return .wouldBlock }
            case .wouldBlock:
                return .wouldBlock
            case .closed:
                return .closed
            }
        }
        return .closed
    }

    /// Moves what the session has ready to the socket. False when the
    /// connection is unusable (socket closed, session or TLS failed).
    func flush(_ session: HTTP2Session) -> Bool {
        guard !isClosed else { return false }
        if let tls {
            plaintext.removeAll(keepingCapacity: true)
            let ok = session.send(into: &plaintext)
            if !plaintext.isEmpty { tls.writePlaintext(plaintext) }
            tls.drainCiphertext(into: &output)
            if case .failed = tls.progress {
                _ = writeOutput()   // the alert, best effort
                return false
            }
            guard ok else { return false }
        } else {
            guard session.send(into: &output) else { return false }
        }
        return writeOutput()
    }

    var hasPendingOutput: Bool { outputOffset < output.count }

    private func writeOutput() -> Bool {
        while outputOffset < output.count {
            switch Syscalls.write(fd, output, from: outputOffset) {
            case .bytes(let n):
                outputOffset += n
            case .wouldBlock:
                if !writeInterest {
                    writeInterest = true
                    loop.setInterest(fd, [.read, .write])
                }
                return true
            case .closed:
                return false
            }
        }
        output.removeAll(keepingCapacity: output.capacity <= 1 << 20)
        outputOffset = 0
        if writeInterest {
            writeInterest = false
            loop.setInterest(fd, .read)
        }
        return true
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        loop.deregister(fd)
        Syscalls.close(fd)
    }
}
