/// One HTTP/2 connection to one endpoint, multiplexing every call to it.
/// Connects lazily; after a failure it refuses calls (UNAVAILABLE) until a
/// jittered exponential backoff has passed, then reconnects on demand.
///
/// `@unchecked Sendable`: all state is confined to `loop`'s thread; other
/// threads only call `loop.execute` with closures that touch it there.
final class ClientConnection: HTTP2SessionDelegate, EventLoopHandler, EventLoopFlushable, @unchecked Sendable {
    enum State {
        case idle
        case connecting(fd: Int32)
        case ready(SocketTransport)
        case transientFailure(retryAt: ContinuousClock.Instant)
    }

    let endpoint: RPCClient.Endpoint
    /// `host:port` (`localhost` over a Unix socket), the `:authority` of every request.
    let authority: String
    let loop: EventLoop
    let configuration: RPCClient.Configuration
    private(set) var state = State.idle
    private var session: HTTP2Session?
    private var calls = StreamTable<ClientCall>()
    private var waiting: [ClientCall] = []
    private var flushScheduled = false
    private let tlsContext: TLSContext?
    private var backoff: Duration
    private var goawayReceived = false
    private var requestTemplates: [(path: String, headers: HeaderBlock)] = []
    /// Told when the connection becomes usable or fails, for the balancer.
    var onStateChange: ((ClientConnection) -> Void)?
    /// Offered calls that failed before a byte of them was sent, so they can
    /// safely go to another endpoint; returns whether it took the call.
    var reroute: ((ClientCall) -> Bool)?

    init(endpoint: RPCClient.Endpoint, loop: EventLoop, configuration: RPCClient.Configuration, tls: TLSContext?) {
        tlsContext = tls
        self.endpoint = endpoint
        authority = endpoint.socketPath == nil ? "\(endpoint.host):\(endpoint.port)" : endpoint.host
        self.loop = loop
        self.configuration = configuration
        backoff = configuration.initialBackoff
    }

    var isReady: Bool { if case .ready = state, !goawayReceived { true } else { false } }

    var isFailing: Bool {
        if case .transientFailure(let retryAt) = state { return ContinuousClock.now < retryAt }
        return false
    }

    var activeCalls: Int { calls.count + waiting.count }

    // MARK: Calls (loop thread)

    func start(_ call: ClientCall) {
        guard !call.completed else { return }
        call.connection = self
        if let deadline = call.deadline, call.deadlineTimer == nil {
            // Covers the wait for a connection as well as the call itself.
            // Strong captures: completing the call cancels the timer, which
            // releases them; a weak reference would move the connection's
            // reference counts to a side table for good (the slow path).
            call.deadlineTimer = loop.schedule(at: deadline) { [self, call] in
                call.deadlineTimer = nil
                self.cancel(call, RPCError(.deadlineExceeded, "deadline exceeded"))
            }
        }
        if goawayReceived {
            // In-flight calls finish on the old connection; new ones wait for a new one.
            waiting.append(call)
            reconnectIfDrained()
            return
        }
        switch state {
        case .ready:
            submit(call)
        case .connecting:
            waiting.append(call)
        case .idle:
            waiting.append(call)
            connect()
        case .transientFailure(let retryAt):
            if ContinuousClock.now >= retryAt {
                waiting.append(call)
                connect()
            } else if !rerouted(call) {
                complete(call, RPCError(.unavailable, "\(endpoint) is unreachable (retrying after backoff)"))
            }
        }
    }

    private func submit(_ call: ClientCall) {
        guard let session else { return }
        // The fixed fields for this path, then the timeout and the caller's metadata.
        var headers = requestHeaders(path: call.path)
        if let deadline = call.deadline {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                complete(call, RPCError(.deadlineExceeded, "deadline passed before the call started"))
                return
            }
            headers.append("grpc-timeout", GRPCHeaders.formatTimeout(left))
        }
        call.metadata.appendFields(to: &headers)
        guard let id = session.submitRequest(headers: headers) else {
            complete(call, RPCError(.unavailable, "connection refused a new stream"))
            return
        }
        call.streamID = id
        calls[id] = call
        scheduleFlush()
    }

    /// The fields every request on `path` starts with, laid out once per path
    /// (a client calls a handful of methods; past that they are not kept).
    private func requestHeaders(path: String) -> HeaderBlock {
        if let known = requestTemplates.first(where: { $0.path == path }) { return known.headers }
        let headers = HeaderBlock([
            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", authority),
            ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "reco-rpc-swift/1.0"),
        ])
        if requestTemplates.count < 16 { requestTemplates.append((path, headers)) }
        return headers
    }

    /// Queues a framed request message; `end` half-closes the request.
    func send(_ framed: [UInt8]?, end: Bool, on call: ClientCall) {
        guard !call.completed, !call.requestEnded else { return }
        if let framed { call.outbound.append(framed) }
        if end { call.requestEnded = true }
        if let id = call.streamID { session?.resumeData(stream: id) }
        scheduleFlush()
    }

    /// Cancels a call: RST_STREAM(CANCEL) to the server, `status` to the caller.
    func cancel(_ call: ClientCall, _ status: RPCError) {
        guard !call.completed else { return }
        if let id = call.streamID {
            session?.submitReset(stream: id, code: .cancel)
            scheduleFlush()
        } else {
            waiting.removeAll { $0 === call }
        }
        complete(call, status)
    }

    private func complete(_ call: ClientCall, _ status: RPCError) {
        guard !call.completed else { return }
        call.connection = nil
        if let timer = call.deadlineTimer { loop.cancelTimer(timer) }
        if let id = call.streamID { calls[id] = nil }
        call.finish(status)
        if goawayReceived && calls.isEmpty { loop.execute { [self] in reconnectIfDrained() } }
    }

    // MARK: Connecting

    private func connect() {
        do {
            let fd = try endpoint.socketPath.map { try Syscalls.connect(unixPath: $0) } ?? Syscalls.connect(host: endpoint.host, port: endpoint.port)
            state = .connecting(fd: fd)
            loop.register(fd, self, interest: [.read, .write])
        } catch {
            fail(RPCError(.unavailable, "cannot connect to \(endpoint): \(error)"))
        }
    }

    private func connected(fd: Int32) {
        var tls: TLSSession?
        if let tlsContext {
            do {
                tls = try TLSSession(context: tlsContext, host: endpoint.host)
            } catch {
                fail(RPCError(.unavailable, "TLS setup for \(endpoint) failed: \(error)"))
                return
            }
        }
        state = .ready(SocketTransport(fd: fd, loop: loop, tls: tls))
        backoff = configuration.initialBackoff
        goawayReceived = false
        session = HTTP2Session(isServer: false, delegate: self, settings: HTTP2Settings(
            maxConcurrentStreams: 1000, initialWindowSize: configuration.streamWindowSize,
            connectionWindowSize: configuration.connectionWindowSize, maxFrameSize: 16_384 * 4,
            maxHeaderListSize: 64 << 10
        ))
        loop.setInterest(fd, .read)
        let pending = waiting
        waiting = []
        for call in pending { submit(call) }
        scheduleFlush()
        onStateChange?(self)
    }

    private func rerouted(_ call: ClientCall) -> Bool {
        guard call.streamID == nil, let reroute else { return false }
        call.connection = nil
        if let timer = call.deadlineTimer {
            loop.cancelTimer(timer)
            call.deadlineTimer = nil
        }
        return reroute(call)
    }

    /// Closes the socket and fails every call; new calls fail fast until the backoff passes.
    private func fail(_ status: RPCError) {
        if goawayReceived {
            // The server closed after its GOAWAY: not a failure of the endpoint.
            let cut = Array(calls.values)
            calls.removeAll()
            for call in cut { complete(call, RPCError(.unavailable, "connection closed after GOAWAY")) }
            closeSocket()
            state = .idle
            goawayReceived = false
            let unsent = waiting
            waiting.removeAll()
            for call in unsent where !rerouted(call) { start(call) }
            return
        }
        closeSocket()
        let jitter = Double.random(in: 1 - configuration.backoffJitter...1 + configuration.backoffJitter)
        state = .transientFailure(retryAt: .now + backoff * jitter)
        backoff = min(backoff * configuration.backoffMultiplier, configuration.maxBackoff)
        let failed = Array(calls.values)
        let unsent = waiting
        calls.removeAll()
        waiting.removeAll()
        onStateChange?(self)
        for call in failed { complete(call, status) }
        for call in unsent where !rerouted(call) { complete(call, status) }
    }

    /// After GOAWAY, once the old connection's calls are done: close it and
    /// open a new one for the calls that waited.
    private func reconnectIfDrained() {
        guard goawayReceived, calls.isEmpty else { return }
        closeSocket()
        state = .idle
        goawayReceived = false
        if !waiting.isEmpty { connect() }
    }

    private func closeSocket() {
        switch state {
        case .connecting(let fd):
            loop.deregister(fd)
            Syscalls.close(fd)
        case .ready(let transport):
            transport.close()
        default:
            break
        }
        session = nil
    }

    func shutdown() {
        let all = Array(calls.values) + waiting
        calls.removeAll()
        waiting.removeAll()
        closeSocket()
        state = .idle
        for call in all { complete(call, RPCError(.unavailable, "client shut down")) }
    }

    // MARK: I/O

    func handle(readable: Bool, writable: Bool, hangup: Bool) {
        if case .connecting(let fd) = state {
            guard writable || hangup else { return }
            let error = Syscalls.socketError(fd)
            if error == 0 && !hangup {
                connected(fd: fd)
            } else {
                fail(RPCError(.unavailable, "cannot connect to \(endpoint): \(SystemError(call: "connect", errno: error))"))
            }
            return
        }
        guard case .ready(let transport) = state, let session else { return }
        if writable { flush() }
        guard readable else { return }
        switch transport.read({ session.receive($0, count: $1) }) {
        case .wouldBlock:
            scheduleFlush()
        case .closed:
            fail(RPCError(.unavailable, "connection to \(endpoint) closed"))
        case .failed(let reason):
            fail(RPCError(.unavailable, "connection to \(endpoint) failed: \(reason)"))
        }
    }

    func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.scheduleFlush(self)
    }

    func flush() {
        flushScheduled = false
        guard case .ready(let transport) = state, let session else { return }
        if !transport.flush(session) {
            let reason = transport.tls.flatMap { tls -> String? in
                if case .failed(let error) = tls.progress { return error.description } else { return nil }
            }
            fail(RPCError(.unavailable, "connection to \(endpoint) failed\(reason.map { ": " + $0 } ?? "")"))
        }
    }

    // MARK: HTTP2SessionDelegate

    func sessionBeginHeaders(stream: Int32) {}

    func sessionHeader(stream id: Int32, name: HeaderName, value: String, size: Int) {
        guard let call = calls[id] else { return }
        switch name {
        case .status: call.httpStatus = value
        case .contentType: call.contentType = value
        case .grpcStatus: call.grpcStatus = value
        case .grpcMessage: call.grpcMessage = value
        case .other(let name):
            if call.headersSeen && !Metadata.isReserved(name) { _ = call.trailingMetadata.addReceived(name, value) }
        case .path, .method, .grpcEncoding, .grpcTimeout, .ignored:
            break  // reserved; not a response's business
        }
    }

    func sessionHeadersEnd(stream id: Int32, endStream: Bool) {
        guard let call = calls[id] else { return }
        call.headersSeen = true
        if call.httpStatus != "200" && call.grpcStatus == nil {
            cancel(call, RPCError(ClientCall.code(forHTTPStatus: call.httpStatus), "HTTP status \(call.httpStatus)"))
            return
        }
        if endStream { complete(call, call.finalStatus()) }
    }

    func sessionData(stream id: Int32, bytes: [UInt8]) {
        guard let call = calls[id] else { return }
        do {
            for message in try call.deframer.append(bytes) { call.receive(message) }
        } catch {
            switch error {
            case .tooLarge(let size):
                cancel(call, RPCError(.resourceExhausted, "response of \(size) bytes exceeds the limit of \(configuration.maxReceiveMessageSize)"))
            case .compressedWithoutEncoding:
                cancel(call, RPCError(.internalError, "compressed response without grpc-encoding"))
            }
        }
    }

    func sessionEndStream(stream id: Int32) {
        guard let call = calls[id] else { return }
        complete(call, call.finalStatus())
    }

    func sessionStreamClosed(stream id: Int32, errorCode: UInt32) {
        guard let call = calls[id] else { return }
        if errorCode == 0 {
            complete(call, call.finalStatus())
        } else {
            complete(call, RPCError(ClientCall.code(forReset: errorCode), "stream reset by the server (HTTP/2 error \(errorCode))"))
        }
    }

    func sessionGoaway(lastStreamID: Int32, errorCode: UInt32) {
        goawayReceived = true
        onStateChange?(self)
        loop.execute { [self] in reconnectIfDrained() }
    }

    func sessionPingReceived() {}

    func sessionReadOutbound(stream id: Int32, maxLength: Int) -> HTTP2Outbound? {
        guard let call = calls[id] else { return HTTP2Outbound(bytes: [], end: true, trailers: nil) }
        if let first = call.outbound.first {
            let count = min(first.count - call.outboundOffset, maxLength)
            let slice = first[call.outboundOffset..<(call.outboundOffset + count)]
            call.outboundOffset += count
            if call.outboundOffset == first.count {
                call.outbound.removeFirst()
                call.outboundOffset = 0
            }
            return HTTP2Outbound(bytes: slice, end: call.outbound.isEmpty && call.requestEnded, trailers: nil)
        }
        return call.requestEnded ? HTTP2Outbound(bytes: [], end: true, trailers: nil) : nil
    }
}
