import Synchronization
public import Wire

/// A gRPC client for one service, over one multiplexed HTTP/2 connection per
/// endpoint. With several endpoints it round-robins over the healthy ones:
/// an endpoint whose connection fails is ejected and re-admitted once its
/// backoff has passed and a health check answers SERVING.
public final class RPCClient: Sendable {
    /// Where a service is reached: `host:port` over TCP, or `unix:PATH`, a
    /// Unix-domain socket on this host (gRPC's name for it), which skips the
    /// TCP stack between co-located services.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        /// Set for a Unix-domain socket; `host` is then "localhost" (the `:authority`).
        public var socketPath: String?

        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }

        public init(socketPath: String) {
            host = "localhost"
            port = 0
            self.socketPath = socketPath
        }

        /// `host:port` or `unix:PATH` (`unix:///abs/path` also accepted).
        public init?(_ text: String) {
            if text.hasPrefix("unix:") {
                var path = text.dropFirst("unix:".count)
                if path.hasPrefix("//") { path = path.dropFirst(2) }
                guard !path.isEmpty else { return nil }
                self.init(socketPath: String(path))
                return
            }
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
            self.init(host: String(text[..<colon]), port: port)
        }

        public var description: String { socketPath.map { "unix:\($0)" } ?? "\(host):\(port)" }
    }

    public struct Configuration: Sendable {
        /// Largest response message accepted.
        public var maxReceiveMessageSize: Int
        public var streamWindowSize: UInt32
        public var connectionWindowSize: Int32
        /// Reconnect backoff: first wait, growth factor, ceiling, and +- jitter fraction.
        public var initialBackoff: Duration
        public var backoffMultiplier: Double
        public var maxBackoff: Duration
        public var backoffJitter: Double
        /// Deadline of the health check that re-admits an ejected endpoint.
        public var healthCheckTimeout: Duration
        /// TLS to the endpoints (CA, and a client certificate for mTLS); nil = h2c.
        public var tls: TLSConfiguration?

        public init(
            maxReceiveMessageSize: Int = 4 << 20,
            streamWindowSize: UInt32 = 4 << 20,
            connectionWindowSize: Int32 = 16 << 20,
            initialBackoff: Duration = .milliseconds(50),
            backoffMultiplier: Double = 1.6,
            maxBackoff: Duration = .seconds(5),
            backoffJitter: Double = 0.2,
            healthCheckTimeout: Duration = .seconds(1),
            tls: TLSConfiguration? = nil
        ) {
            self.maxReceiveMessageSize = maxReceiveMessageSize
            self.streamWindowSize = streamWindowSize
            self.connectionWindowSize = connectionWindowSize
            self.initialBackoff = initialBackoff
            self.backoffMultiplier = backoffMultiplier
            self.maxBackoff = maxBackoff
            self.backoffJitter = backoffJitter
            self.healthCheckTimeout = healthCheckTimeout
            self.tls = tls
        }
    }

    public let endpoints: [Endpoint]
    let loop: EventLoop
    private let balancer: Balancer
    private let ownsLoop: Bool
    private let methodMetrics = Mutex<[CallMetrics]>([])

    /// `loop`: run this client's connections on an existing loop (a server's,
    /// so that a handler's downstream call never leaves its thread); nil
    /// starts a loop of its own.
    public init(endpoints: [Endpoint], configuration: Configuration = Configuration(), loop: EventLoop? = nil) throws {
        precondition(!endpoints.isEmpty, "a client needs at least one endpoint")
        self.endpoints = endpoints
        ownsLoop = loop == nil
        let tls = try configuration.tls.map { try TLSContext($0, isServer: false) }
        let loop = try loop ?? EventLoop(name: "rpc-client")
        self.loop = loop
        balancer = Balancer(connections: endpoints.map {
            ClientConnection(endpoint: $0, loop: loop, configuration: configuration, tls: tls)
        })
    }

    public convenience init(endpoint: Endpoint, configuration: Configuration = Configuration(), loop: EventLoop? = nil) throws {
        try self.init(endpoints: [endpoint], configuration: configuration, loop: loop)
    }

    /// Closes every connection; calls in flight fail with UNAVAILABLE.
    /// Also done when the client is released.
    public func shutdown() {
        let balancer = balancer
        loop.execute { balancer.shutdown() }
        if ownsLoop { loop.shutdown() }
    }

    deinit {
        shutdown()
    }

    // MARK: Calls

    /// A unary call. `timeout` becomes `grpc-timeout` and a local deadline.
    public func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ path: String, _ request: Request, as: Response.Type = Response.self,
        timeout: Duration? = nil, metadata: Metadata = Metadata()
    ) async throws(RPCError) -> Response {
        let framed = MessageDeframer.framed(request.serializedBytes(headroom: 5))
        let (status, response) = await run(path, timeout: timeout, metadata: metadata, firstMessage: framed)
        return try Self.answer(status, response)
    }

    /// A unary call whose answer goes to `completion`, on the loop thread:
    /// no task or continuation per call, for callers that live on the loop
    /// already and keep many calls going (a load generator, say).
    public func unary<Request: ProtoMessage, Response: ProtoMessage>(
        _ path: String, _ request: Request, as: Response.Type = Response.self, timeout: Duration, metadata: Metadata = Metadata(),
        completion: @escaping @Sendable (Result<Response, RPCError>) -> Void
    ) {
        let framed = MessageDeframer.framed(request.serializedBytes(headroom: 5))
        let received = ReceivedMessage()
        let call = makeCall(path, timeout: timeout, metadata: metadata, onMessage: { received.bytes = $0 }) { status in
            completion(Result { () throws(RPCError) -> Response in try Self.answer(status, received.bytes) })
        }
        let balancer = balancer
        loop.executeSoon { balancer.start(call, framed: framed, end: true) }
    }

    /// A unary call's response from its final status and message. It throws
    /// rather than returning a `Result`: this code is not specialized for
    /// each response type, and a `Result` of one is a generic type the
    /// runtime looks up on every call (about 340 instructions).
    private static func answer<Response: ProtoMessage>(_ status: RPCError, _ bytes: ArraySlice<UInt8>?) throws(RPCError) -> Response {
        guard status.code == .ok else { throw status }
        guard let bytes else { throw RPCError(.internalError, "no response message") }
        do {
            return try Response(serializedBytes: bytes)
        } catch {
            throw RPCError(.internalError, "cannot decode response: \(error)")
        }
    }

    /// A unary call whose response nobody awaits: `completion` gets its final
    /// status on the loop thread. No task is created, so a handler can hand
    /// off a write (a wait list, say) without a thread hop or a wake-up.
    public func send<Request: ProtoMessage>(
        _ path: String, _ request: Request, timeout: Duration, metadata: Metadata = Metadata(),
        completion: @escaping @Sendable (RPCError) -> Void = { _ in }
    ) {
        let framed = MessageDeframer.framed(request.serializedBytes(headroom: 5))
        let call = makeCall(path, timeout: timeout, metadata: metadata, onMessage: { _ in }, onClose: completion)
        let balancer = balancer
        loop.executeSoon { balancer.start(call, framed: framed, end: true) }
    }

    /// A server-streaming call: the responses as they arrive; the sequence
    /// throws the final status unless it is OK.
    public func serverStreaming<Request: ProtoMessage, Response: ProtoMessage>(
        _ path: String, _ request: Request, as: Response.Type = Response.self,
        timeout: Duration? = nil, metadata: Metadata = Metadata()
    ) -> AsyncThrowingStream<Response, any Error> {
        let framed = MessageDeframer.framed(request.serializedBytes(headroom: 5))
        return startStreaming(path, timeout: timeout, metadata: metadata, framed: framed, end: true).responses
    }

    /// A client- or bidirectional-streaming call: send with `send`, finish
    /// the request with `close`, read `responses`.
    public func streaming<Request: ProtoMessage, Response: ProtoMessage>(
        _ path: String, requestType: Request.Type = Request.self, responseType: Response.Type = Response.self,
        timeout: Duration? = nil, metadata: Metadata = Metadata()
    ) -> StreamingCall<Request, Response> {
        let (call, responses) = startStreaming(path, timeout: timeout, metadata: metadata, framed: nil, end: false, as: Response.self)
        return StreamingCall(call: call, balancer: balancer, loop: loop, responses: responses)
    }

    /// Starts a call whose responses arrive as a stream; abandoning the
    /// stream cancels the call.
    private func startStreaming<Response: ProtoMessage>(
        _ path: String, timeout: Duration?, metadata: Metadata, framed: [UInt8]?, end: Bool, as: Response.Type = Response.self
    ) -> (call: ClientCall, responses: AsyncThrowingStream<Response, any Error>) {
        let (stream, continuation) = AsyncThrowingStream<Response, any Error>.makeStream()
        let call = makeCall(path, timeout: timeout, metadata: metadata, onMessage: { bytes in
            do {
                continuation.yield(try Response(serializedBytes: bytes))
            } catch {
                continuation.finish(throwing: RPCError(.internalError, "cannot decode response: \(error)"))
            }
        }, onClose: { status in
            if status.code == .ok { continuation.finish() } else { continuation.finish(throwing: status) }
        })
        let balancer = balancer
        loop.execute { balancer.start(call, framed: framed, end: end) }
        continuation.onTermination = { [loop] reason in
            if case .cancelled = reason { loop.execute { balancer.cancel(call, RPCError(.cancelled, "cancelled by the caller")) } }
        }
        return (call, stream)
    }

    private func makeCall(_ path: String, timeout: Duration?, metadata: Metadata,
                          onMessage: ((ArraySlice<UInt8>) -> Void)?, onClose: @escaping (RPCError) -> Void) -> ClientCall {
        ClientCall(path: path, metadata: metadata, deadline: timeout.map { ContinuousClock.now + $0 },
                   maxMessageSize: balancer.maxReceiveMessageSize, metrics: metrics(for: path), onMessage: onMessage, onClose: onClose)
    }

    /// The client-side metrics of `path`, made on its first call (a client
    /// calls a handful of methods: a short list beats hashing the path).
    /// Past 64 paths the rest share one series, "other".
    private func metrics(for path: String) -> CallMetrics {
        methodMetrics.withLock { known in
            if let metrics = known.first(where: { $0.path == path }) { return metrics }
            if known.count >= 64, let other = known.first(where: { $0.path == "other" }) { return other }
            let metrics = CallMetrics(path: known.count >= 64 ? "other" : path, side: .client)
            known.append(metrics)
            return metrics
        }
    }

    /// Runs one unary call to completion, honouring task cancellation: its
    /// final status and its response message.
    private func run(_ path: String, timeout: Duration?, metadata: Metadata, firstMessage: [UInt8]) async
        -> (status: RPCError, response: ArraySlice<UInt8>?) {
        let balancer = balancer
        let box = CallBox()
        let status = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<RPCError, Never>) in
                let call = makeCall(path, timeout: timeout, metadata: metadata, onMessage: nil) { status in
                    continuation.resume(returning: status)
                }
                box.call.withLock { $0 = call }
                loop.executeSoon { balancer.start(call, framed: firstMessage, end: true) }
            }
        } onCancel: { [loop] in
            guard let call = box.call.withLock({ $0 }) else { return }
            loop.execute { balancer.cancel(call, RPCError(.cancelled, "cancelled by the caller")) }
        }
        // The response was set on the loop thread before the status resumed us.
        return (status, box.call.withLock { $0 }?.response)
    }
}

/// The message of a call answered through a completion; set and read on the loop thread.
private final class ReceivedMessage: @unchecked Sendable {
    var bytes: ArraySlice<UInt8>?
}

/// Holds the call created inside the continuation so the cancellation handler can reach it.
private final class CallBox: Sendable {
    let call = Mutex<ClientCall?>(nil)
}

/// The request side of a streaming call, and its responses.
public struct StreamingCall<Request: ProtoMessage, Response: ProtoMessage>: Sendable {
    let call: ClientCall
    let balancer: Balancer
    let loop: EventLoop
    public let responses: AsyncThrowingStream<Response, any Error>

    public func send(_ message: Request) {
        let framed = MessageDeframer.framed(message.serializedBytes(headroom: 5))
        loop.executeSoon { [call, balancer] in balancer.send(framed, end: false, on: call) }
    }

    /// Ends the request stream (half-close).
    public func close() {
        loop.executeSoon { [call, balancer] in balancer.send(nil, end: true, on: call) }
    }

    public func cancel() {
        loop.executeSoon { [call, balancer] in balancer.cancel(call, RPCError(.cancelled, "cancelled by the caller")) }
    }
}
