/// The handle a handler's task holds on its call. Every effect goes through
/// the connection on its loop thread.
///
/// `@unchecked Sendable`: its stored properties are immutable; `stream` and
/// `connection` are loop-confined objects only touched inside `executeSoon`.
final class ServerCall: @unchecked Sendable {
    let context: ServerContext
    /// The client's messages, for client- and bidirectional-streaming calls.
    let streamedRequests: AsyncThrowingStream<[UInt8], any Error>?
    private let singleRequest: ArraySlice<UInt8>
    private let stream: ServerStream
    /// Strong: a handler may finish after its connection closed, and must
    /// find it there (closed, so its sends are dropped), not freed.
    private let connection: ServerConnection
    private let loop: EventLoop

    init(context: ServerContext, requests: AsyncThrowingStream<[UInt8], any Error>?, singleRequest: ArraySlice<UInt8>,
         stream: ServerStream, connection: ServerConnection, loop: EventLoop) {
        self.context = context
        streamedRequests = requests
        self.singleRequest = singleRequest
        self.stream = stream
        self.connection = connection
        self.loop = loop
    }

    func takeSingleRequest() -> ArraySlice<UInt8> { singleRequest }

    var requests: AsyncThrowingStream<[UInt8], any Error> {
        streamedRequests ?? AsyncThrowingStream { $0.finish() }
    }

    /// Queues a message whose first 5 bytes are headroom for the gRPC prefix.
    func send(_ bytes: consuming [UInt8]) {
        let framed = MessageDeframer.framed(consume bytes)
        loop.executeSoon { [stream, connection] in connection.enqueue(framed, on: stream) }
    }

    func sendStreaming(_ bytes: consuming [UInt8]) async throws {
        let framed = MessageDeframer.framed(consume bytes)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            loop.executeSoon { [stream, connection] in
                guard !stream.isFinished else {
                    continuation.resume(throwing: RPCError(.cancelled, "call is over"))
                    return
                }
                connection.enqueue(framed, on: stream)
                if stream.bufferedBytes > ServerStream.writeBufferLimit {
                    stream.writeWaiters.append(continuation)
                } else {
                    continuation.resume()
                }
            }
        }
    }

    /// Ends the call with `status`; later sends are dropped.
    func finish(_ status: RPCError) {
        loop.executeSoon { [stream, connection] in connection.finish(stream, status) }
    }
}

/// One request stream's state.
///
/// `@unchecked Sendable`: handler tasks carry a reference only to hand it
/// back to the loop thread, the one place it is read or written.
final class ServerStream: @unchecked Sendable {
    static let writeBufferLimit = 1 << 20

    let id: Int32
    var path = ""
    var method = ""
    var contentType = ""
    var encoding: String?
    var timeout: String?
    /// From `grpc-timeout`, fixed when the headers arrive.
    var deadline: ContinuousClock.Instant?
    var metadata = Metadata()
    var badMetadata = false
    var handler: MethodHandler?
    /// Holds one of the server's call slots (load shedding).
    var admitted = false
    /// The request's header list so far, and whether it went past the limit.
    var headerBytes = 0
    var headersTooLarge = false
    var deframer: MessageDeframer
    var requestMessages: [ArraySlice<UInt8>] = []
    var inbound: AsyncThrowingStream<[UInt8], any Error>.Continuation?
    var requestEnded = false
    var task: Task<Void, Never>?
    var deadlineTimer: TimerQueue.ID?

    // Response side.
    var headersSent = false
    var outbound: [[UInt8]] = []
    var outboundOffset = 0
    var bufferedBytes = 0
    var status: RPCError?
    var isFinished: Bool { status != nil }
    var closed = false
    var writeWaiters: [CheckedContinuation<Void, any Error>] = []

    init(id: Int32, maxMessageSize: Int) {
        self.id = id
        deframer = MessageDeframer(maxMessageSize: maxMessageSize)
    }
}
