public import Wire
import Synchronization

/// The four gRPC call shapes.
public enum RPCKind: Sendable {
    case unary, serverStreaming, clientStreaming, bidirectionalStreaming

    /// Whether the handler starts at the request headers (the client streams)
    /// or once the whole request has arrived.
    var streamsRequests: Bool { self == .clientStreaming || self == .bidirectionalStreaming }
}

/// A registered method, type-erased to bytes in and bytes out.
struct MethodHandler: Sendable {
    let kind: RPCKind
    let metrics: CallMetrics
    let run: @Sendable (ServerCall) async throws -> Void
    /// For a method that can answer on the loop thread: the request's bytes
    /// to the response's (5 bytes of headroom first), or nil to run `run`.
    var runNow: (@Sendable (ArraySlice<UInt8>, ServerContext) throws -> [UInt8]?)?
}

/// Maps `/Service/method` paths to handlers. Build it, then hand it to the server.
public struct RPCRouter: Sendable {
    var methods: [String: MethodHandler] = [:]
    /// Load shedding, set by the server (health checks are never shed).
    var admission: AdmissionControl?

    public init() {}

    public var paths: [String] { methods.keys.sorted() }

    public mutating func unary<Request: ProtoMessage, Response: ProtoEncodable>(
        _ service: String, _ method: String,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        register(service, method, .unary, run: Self.unaryTask(handler))
    }

    /// A unary method whose handler never suspends (a lookup or a computation
    /// over memory): it runs on the loop thread as soon as its request is
    /// complete, with no task, no continuation and no second pass of the loop.
    /// A slow one holds up every other call of this loop while it runs.
    public mutating func immediateUnary<Request: ProtoMessage, Response: ProtoEncodable>(
        _ service: String, _ method: String,
        _ handler: @escaping @Sendable (Request, ServerContext) throws -> Response
    ) {
        unary(service, method, immediately: { try handler($0, $1) }) { try handler($0, $1) }
    }

    /// A unary method answered on the loop thread, as `immediateUnary`, when
    /// `immediately` can (it returns nil when it would have to wait: a store
    /// to read, say); otherwise `handler` runs as a task, as `unary`.
    public mutating func unary<Request: ProtoMessage, Response: ProtoEncodable>(
        _ service: String, _ method: String,
        immediately: @escaping @Sendable (Request, ServerContext) throws -> Response?,
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) {
        register(service, method, .unary, run: Self.unaryTask(handler), runNow: { bytes, context in
            try immediately(Request(serializedBytes: bytes), context)?.serializedBytes(headroom: 5)
        })
    }

    public mutating func serverStreaming<Request: ProtoMessage, Response: ProtoMessage>(
        _ service: String, _ method: String,
        _ handler: @escaping @Sendable (Request, ResponseWriter<Response>, ServerContext) async throws -> Void
    ) {
        register(service, method, .serverStreaming) { call in
            let request = try Request(serializedBytes: call.takeSingleRequest())
            try await handler(request, ResponseWriter(call: call), call.context)
        }
    }

    public mutating func clientStreaming<Request: ProtoMessage, Response: ProtoEncodable>(
        _ service: String, _ method: String,
        _ handler: @escaping @Sendable (RequestStream<Request>, ServerContext) async throws -> Response
    ) {
        register(service, method, .clientStreaming) { call in
            let response = try await handler(RequestStream(call.requests), call.context)
            call.send(response.serializedBytes(headroom: 5))
        }
    }

    public mutating func bidirectionalStreaming<Request: ProtoMessage, Response: ProtoMessage>(
        _ service: String, _ method: String,
        _ handler: @escaping @Sendable (RequestStream<Request>, ResponseWriter<Response>, ServerContext) async throws -> Void
    ) {
        register(service, method, .bidirectionalStreaming) { call in
            try await handler(RequestStream(call.requests), ResponseWriter(call: call), call.context)
        }
    }

    /// `/service/method` with its own metrics.
    private mutating func register(_ service: String, _ method: String, _ kind: RPCKind,
                                   run: @escaping @Sendable (ServerCall) async throws -> Void,
                                   runNow: (@Sendable (ArraySlice<UInt8>, ServerContext) throws -> [UInt8]?)? = nil) {
        let path = "/\(service)/\(method)"
        methods[path] = MethodHandler(kind: kind, metrics: CallMetrics(path: path), run: run, runNow: runNow)
    }

    /// A unary handler as a task: the one request in, the one response out.
    private static func unaryTask<Request: ProtoMessage, Response: ProtoEncodable>(
        _ handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
    ) -> @Sendable (ServerCall) async throws -> Void {
        { call in
            let request = try Request(serializedBytes: call.takeSingleRequest())
            call.send(try await handler(request, call.context).serializedBytes(headroom: 5))
        }
    }

    /// Adds every method of `other` (a service's own router).
    public mutating func merge(_ other: RPCRouter) {
        methods.merge(other.methods) { _, new in new }
    }
}

/// The client's messages, decoded as they arrive.
public struct RequestStream<Message: ProtoMessage>: AsyncSequence, Sendable {
    public typealias Element = Message
    let raw: AsyncThrowingStream<[UInt8], any Error>

    init(_ raw: AsyncThrowingStream<[UInt8], any Error>) {
        self.raw = raw
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator

        public mutating func next() async throws -> Message? {
            guard let bytes = try await base.next() else { return nil }
            return try Message(serializedBytes: bytes)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: raw.makeAsyncIterator())
    }
}

/// Sends response messages of a streaming call.
public struct ResponseWriter<Message: ProtoMessage>: Sendable {
    let call: ServerCall

    /// Queues one message; waits while too much is buffered for a slow
    /// reader. Throws CANCELLED once the call is over.
    public func write(_ message: Message) async throws {
        try await call.sendStreaming(message.serializedBytes(headroom: 5))
    }
}

/// A bound on the calls a server runs at once: past it, a call is refused
/// at its headers with RESOURCE_EXHAUSTED, fast, instead of joining an
/// unbounded queue, so the calls admitted keep their latency.
final class AdmissionControl: Sendable {
    let limit: Int
    private let inFlight = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    func tryAdmit() -> Bool {
        if inFlight.add(1, ordering: .relaxed).newValue > limit {
            inFlight.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() {
        inFlight.subtract(1, ordering: .relaxed)
    }
}
