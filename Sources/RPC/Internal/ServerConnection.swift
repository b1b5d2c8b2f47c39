/// One accepted HTTP/2 connection speaking gRPC: validates requests, starts
/// handler tasks on the loop's executor, and streams their responses back.
///
/// `@unchecked Sendable`: captured by handler tasks only to hop back onto
/// the loop thread (`EventLoop.executeSoon`); all state is loop-confined.
final class ServerConnection: HTTP2SessionDelegate, EventLoopHandler, EventLoopFlushable, @unchecked Sendable {
    let loop: EventLoop
    let configuration: RPCServer.Configuration
    let router: RPCRouter
    private let transport: SocketTransport
    private var session: HTTP2Session!
    private var streams = StreamTable<ServerStream>()
    private var lastMethod: (path: String, handler: MethodHandler)?
    private var flushScheduled = false
    private var closed = false
    private let onClose: (ServerConnection) -> Void

    // Ping policy (as gRPC C-core): a ping sooner than `minPingInterval` after
    // the previous one, with no data sent in between, is a strike.
    private var lastPing: ContinuousClock.Instant?
    private var pingStrikes = 0
    private var sentSinceLastPing = false

    init(fd: Int32, tls: TLSSession?, loop: EventLoop, configuration: RPCServer.Configuration, router: RPCRouter,
         onClose: @escaping (ServerConnection) -> Void) {
        transport = SocketTransport(fd: fd, loop: loop, tls: tls)
        self.loop = loop
        self.configuration = configuration
        self.router = router
        self.onClose = onClose
        session = HTTP2Session(isServer: true, delegate: self, settings: HTTP2Settings(
            maxConcurrentStreams: configuration.maxConcurrentStreams,
            initialWindowSize: configuration.streamWindowSize,
            connectionWindowSize: configuration.connectionWindowSize,
            maxFrameSize: 16_384 * 4,
            maxHeaderListSize: configuration.maxHeaderListSize
        ))
    }

    func start() {
        loop.register(transport.fd, self)
        scheduleFlush()
    }

    // MARK: I/O

    func handle(readable: Bool, writable: Bool, hangup: Bool) {
        if writable { flush() }
        guard readable, !closed else { return }
        switch transport.read({ session.receive($0, count: $1) }) {
        case .wouldBlock:
            scheduleFlush()
        case .closed:
            close()
        case .failed:
            flush()
            close()
        }
    }

    func scheduleFlush() {
        guard !flushScheduled, !closed else { return }
        flushScheduled = true
        loop.scheduleFlush(self)
    }

    func flush() {
        flushScheduled = false
        guard !closed else { return }
        guard transport.flush(session) else {
            close()
            return
        }
        if !session.wantsRead && !session.wantsWrite && !transport.hasPendingOutput { close() }
    }

    func close() {
        guard !closed else { return }
        closed = true
        transport.close()
        for stream in streams.values {
            abandon(stream, RPCError(.unavailable, "connection closed"))
            release(stream)
        }
        streams.removeAll()
        onClose(self)
    }

    /// Graceful shutdown, step one: no new streams; in-flight ones finish.
    func beginShutdown() {
        guard !closed else { return }
        session.submitShutdownNotice()
        scheduleFlush()
    }

    /// Step two, a round trip later: the final GOAWAY.
    func sendGoaway() {
        guard !closed else { return }
        session.submitGoaway(code: .noError)
        scheduleFlush()
    }

    var activeStreams: Int { streams.count }

    // MARK: Requests

    func sessionBeginHeaders(stream id: Int32) {
        if streams[id] == nil {
            streams[id] = ServerStream(id: id, maxMessageSize: configuration.maxReceiveMessageSize)
        }
    }

    func sessionHeader(stream id: Int32, name: HeaderName, value: String, size: Int) {
        guard let stream = streams[id], stream.handler == nil, stream.status == nil else { return }
        // SETTINGS_MAX_HEADER_LIST_SIZE is advisory for the sender; enforce it
        // (RFC 7541 size: name + value + 32 per field) so one request cannot
        // make us hold an unbounded header block.
        stream.headerBytes += size + 32
        if stream.headerBytes > Int(configuration.maxHeaderListSize) { stream.headersTooLarge = true }
        if stream.headersTooLarge { return }
        switch name {
        case .path: stream.path = value
        case .method: stream.method = value
        case .contentType: stream.contentType = value
        case .grpcEncoding: stream.encoding = value
        case .grpcTimeout: stream.timeout = value
        case .other(let name):
            if !Metadata.isReserved(name), !stream.metadata.addReceived(name, value) { stream.badMetadata = true }
        case .status, .grpcStatus, .grpcMessage, .ignored:
            break  // reserved; not a request's business
        }
    }

    func sessionHeadersEnd(stream id: Int32, endStream: Bool) {
        guard let stream = streams[id] else { return }
        if stream.handler != nil || stream.status != nil {
            // Request trailers: only END_STREAM matters.
            if endStream { sessionEndStream(stream: id) }
            return
        }
        if let rejection = validate(stream) {
            reject(stream, rejection)
            return
        }
        if endStream { stream.requestEnded = true }
        if let timeout = stream.timeout {
            guard let duration = GRPCHeaders.parseTimeout(timeout) else {
                reject(stream, .grpc(RPCError(.invalidArgument, "malformed grpc-timeout '\(timeout)'")))
                return
            }
            let deadline = ContinuousClock.now + duration
            stream.deadline = deadline
            // Strong captures, released when finishing the stream cancels the
            // timer (see ClientConnection.start).
            stream.deadlineTimer = loop.schedule(at: deadline) { [self, stream] in
                stream.deadlineTimer = nil
                self.finish(stream, RPCError(.deadlineExceeded, "deadline exceeded"))
                stream.task?.cancel()
            }
        }
        if stream.handler!.kind.streamsRequests || stream.requestEnded {
            startHandler(stream)
        }
    }

    private enum Rejection {
        case http(status: String, message: String)
        case grpc(RPCError)
    }

    private func validate(_ stream: ServerStream) -> Rejection? {
        if stream.headersTooLarge {
            return .grpc(RPCError(.resourceExhausted, "header list larger than \(configuration.maxHeaderListSize) bytes"))
        }
        if stream.method != "POST" {
            return .http(status: "405", message: "gRPC requires POST, got \(stream.method)")
        }
        let type = stream.contentType
        if type != "application/grpc" && !type.hasPrefix("application/grpc+") && !type.hasPrefix("application/grpc;") {
            return .http(status: "415", message: "unsupported content-type '\(type)'")
        }
        if let encoding = stream.encoding, encoding != "identity" {
            return .grpc(RPCError(.unimplemented, "grpc-encoding '\(encoding)' is not supported", metadata: Metadata([("grpc-accept-encoding", "identity")])))
        }
        if stream.badMetadata {
            return .grpc(RPCError(.invalidArgument, "a -bin metadata value is not base64"))
        }
        guard let handler = method(stream.path) else {
            return .grpc(RPCError(.unimplemented, "unknown method \(stream.path)"))
        }
        if let admission = router.admission, !stream.path.hasPrefix("/grpc.health.v1.") {
            guard admission.tryAdmit() else {
                return .grpc(RPCError(.resourceExhausted, "server busy: \(admission.limit) calls in flight"))
            }
            stream.admitted = true
        }
        stream.handler = handler
        return nil
    }

    /// The method for `path`; a connection's calls mostly name the one
    /// before, found by comparing the path rather than hashing it.
    private func method(_ path: String) -> MethodHandler? {
        if let last = lastMethod, last.path == path { return last.handler }
        guard let handler = router.methods[path] else { return nil }
        lastMethod = (path, handler)
        return handler
    }

    private func reject(_ stream: ServerStream, _ rejection: Rejection) {
        switch rejection {
        case .http(let status, let message):
            stream.status = RPCError(.unknown, message)
            stream.headersSent = true
            session.submitResponse(stream: stream.id, headers: HeaderBlock([
                (":status", status), ("content-type", "application/grpc"),
                ("grpc-status", String(status == "415" ? RPCError.Code.unknown.rawValue : RPCError.Code.unimplemented.rawValue)),
                ("grpc-message", GRPCHeaders.percentEncode(message)),
            ]), hasBody: false)
            markSent()
            scheduleFlush()
        case .grpc(let status):
            finish(stream, status)
        }
    }

    func sessionData(stream id: Int32, bytes: [UInt8]) {
        guard let stream = streams[id], stream.status == nil, stream.handler != nil else { return }
        do {
            let messages = try stream.deframer.append(bytes)
            for message in messages {
                if let inbound = stream.inbound {
                    inbound.yield(Array(message))
                } else if stream.requestMessages.isEmpty {
                    stream.requestMessages.append(message)
                } else {
                    finish(stream, RPCError(.internalError, "more than one request message for a unary request"))
                    return
                }
            }
        } catch {
            switch error {
            case .tooLarge(let size):
                finish(stream, RPCError(.resourceExhausted, "message of \(size) bytes exceeds the limit of \(configuration.maxReceiveMessageSize)"))
            case .compressedWithoutEncoding:
                finish(stream, RPCError(.internalError, "compressed message without grpc-encoding"))
            }
            stream.task?.cancel()
        }
    }

    func sessionEndStream(stream id: Int32) {
        guard let stream = streams[id], !stream.requestEnded else { return }
        stream.requestEnded = true
        guard stream.status == nil, let handler = stream.handler else { return }
        if stream.deframer.hasPartialMessage {
            finish(stream, RPCError(.internalError, "request ended inside a message"))
            stream.task?.cancel()
            return
        }
        if handler.kind.streamsRequests {
            stream.inbound?.finish()
        } else {
            startHandler(stream)
        }
    }

    private func startHandler(_ stream: ServerStream) {
        guard let handler = stream.handler, stream.task == nil, stream.status == nil else { return }
        let single: ArraySlice<UInt8>
        if handler.kind.streamsRequests {
            single = []
        } else {
            guard stream.requestMessages.count == 1 else {
                finish(stream, RPCError(.internalError, "expected one request message, got \(stream.requestMessages.count)"))
                return
            }
            single = stream.requestMessages[0]
            stream.requestMessages = []
        }
        // Only streaming requests need a stream; unary calls skip its cost.
        var requests: AsyncThrowingStream<[UInt8], any Error>?
        if handler.kind.streamsRequests {
            let (stream_, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
            requests = stream_
            stream.inbound = continuation
            if stream.requestEnded { continuation.finish() }
        }
        let context = ServerContext(path: stream.path, metadata: stream.metadata, deadline: stream.deadline)
        let started = ContinuousClock.now, startMicros = SpanRecorder.nowMicros()
        if let runNow = handler.runNow {
            // Answered here, inside this read, unless it would have to wait.
            let answered: RPCError?
            do {
                if let response = try runNow(single, context) {
                    enqueue(MessageDeframer.framed(response), on: stream)
                    answered = RPCError(.ok)
                } else {
                    answered = nil
                }
            } catch {
                answered = RPCError(from: error)
            }
            if let status = answered {
                finish(stream, status)
                Self.recordServed(context, handler, status, started: started, startMicros: startMicros)
                return
            }
        }
        let call = ServerCall(context: context, requests: requests, singleRequest: single, stream: stream, connection: self, loop: loop)
        stream.task = Task(executorPreference: loop) {
            let status: RPCError
            do {
                try await handler.run(call)
                status = RPCError(.ok)
            } catch {
                status = RPCError(from: error)
            }
            call.finish(status)
            Self.recordServed(context, handler, status, started: started, startMicros: startMicros)
        }
    }

    /// The call's span for `recoctl trace`, and its metrics.
    private static func recordServed(_ context: ServerContext, _ handler: MethodHandler, _ status: RPCError,
                                     started: ContinuousClock.Instant, startMicros: Int64) {
        let nanoseconds = started.duration(to: .now).nanoseconds
        SpanRecorder.shared.record(ServedSpan(trace: context.trace, path: context.path, startMicros: startMicros,
                                              durationMicros: nanoseconds / 1_000, code: status.code))
        handler.metrics.record(code: status.code, nanoseconds: nanoseconds)
    }

    // MARK: Responses (loop thread)

    func enqueue(_ framed: [UInt8], on stream: ServerStream) {
        guard !stream.isFinished, !stream.closed else { return }
        stream.outbound.append(framed)
        stream.bufferedBytes += framed.count
        if !stream.headersSent {
            stream.headersSent = true
            session.submitResponse(stream: stream.id, headers: .okResponse, hasBody: true)
        } else {
            session.resumeData(stream: stream.id)
        }
        markSent()
        scheduleFlush()
    }

    /// Ends the call with `status`: Trailers-Only when nothing was sent yet,
    /// otherwise after the queued messages.
    func finish(_ stream: ServerStream, _ status: RPCError) {
        guard !stream.isFinished, !stream.closed else { return }
        stream.status = status
        if let timer = stream.deadlineTimer {
            loop.cancelTimer(timer)
            stream.deadlineTimer = nil
        }
        stream.inbound?.finish(throwing: status)
        if !stream.headersSent {
            stream.headersSent = true
            var headers = HeaderBlock.okResponse
            appendStatusFields(status, to: &headers)
            session.submitResponse(stream: stream.id, headers: headers, hasBody: false)
        } else {
            session.resumeData(stream: stream.id)
        }
        resumeWriters(stream, throwing: nil)
        markSent()
        scheduleFlush()
    }

    private func statusFields(_ status: RPCError) -> HeaderBlock {
        if status.code == .ok && status.message.isEmpty && status.metadata.entries.isEmpty { return .okTrailers }
        var fields = HeaderBlock()
        appendStatusFields(status, to: &fields)
        return fields
    }

    private func appendStatusFields(_ status: RPCError, to fields: inout HeaderBlock) {
        fields.append("grpc-status", String(status.code.rawValue))
        if !status.message.isEmpty { fields.append("grpc-message", GRPCHeaders.percentEncode(status.message)) }
        status.metadata.appendFields(to: &fields)
    }

    private func markSent() {
        sentSinceLastPing = true
        pingStrikes = 0
    }

    func sessionReadOutbound(stream id: Int32, maxLength: Int) -> HTTP2Outbound? {
        guard let stream = streams[id] else { return HTTP2Outbound(bytes: [], end: true, trailers: nil) }
        if let first = stream.outbound.first {
            let available = first.count - stream.outboundOffset
            let count = min(available, maxLength)
            let slice = first[stream.outboundOffset..<(stream.outboundOffset + count)]
            stream.outboundOffset += count
            stream.bufferedBytes -= count
            if stream.outboundOffset == first.count {
                stream.outbound.removeFirst()
                stream.outboundOffset = 0
            }
            if stream.bufferedBytes <= ServerStream.writeBufferLimit / 2 { resumeWriters(stream, throwing: nil) }
            let end = stream.outbound.isEmpty && stream.isFinished
            return HTTP2Outbound(bytes: slice, end: end, trailers: end ? statusFields(stream.status!) : nil)
        }
        if let status = stream.status {
            return HTTP2Outbound(bytes: [], end: true, trailers: statusFields(status))
        }
        return nil
    }

    private func resumeWriters(_ stream: ServerStream, throwing error: RPCError?) {
        let waiters = stream.writeWaiters
        stream.writeWaiters = []
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    func sessionStreamClosed(stream id: Int32, errorCode: UInt32) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        release(stream)
        // Closed before we finished: the client cancelled (RST_STREAM) or the
        // connection is going away.
        abandon(stream, RPCError(.cancelled, "stream closed by the client (HTTP/2 error \(errorCode))"))
    }

    /// Gives back an admitted call's slot, once.
    private func release(_ stream: ServerStream) {
        guard stream.admitted else { return }
        stream.admitted = false
        router.admission?.release()
    }

    private func abandon(_ stream: ServerStream, _ status: RPCError) {
        stream.closed = true
        if let timer = stream.deadlineTimer { loop.cancelTimer(timer) }
        if stream.status == nil { stream.status = status }
        stream.inbound?.finish(throwing: status)
        stream.task?.cancel()
        resumeWriters(stream, throwing: status)
    }

    func sessionGoaway(lastStreamID: Int32, errorCode: UInt32) {}

    func sessionPingReceived() {
        let now = ContinuousClock.now
        if let last = lastPing, last.duration(to: now) < configuration.minPingInterval, !sentSinceLastPing {
            pingStrikes += 1
            if pingStrikes > configuration.maxPingStrikes {
                session.submitGoaway(code: .enhanceYourCalm, debug: "too_many_pings")
                scheduleFlush()
            }
        }
        lastPing = now
        sentSinceLastPing = false
    }
}
