/// One client call's state.
///
/// `@unchecked Sendable`: created on the caller's task, then touched only on
/// the connection's loop thread (the caller hands it over via `execute`).
final class ClientCall: @unchecked Sendable {
    let path: String
    let metadata: Metadata
    let deadline: ContinuousClock.Instant?
    var streamID: Int32?
    /// The connection carrying the call while it runs.
    var connection: ClientConnection?
    var deadlineTimer: TimerQueue.ID?
    var deframer: MessageDeframer

    // Request side.
    var outbound: [[UInt8]] = []
    var outboundOffset = 0
    var requestEnded = false

    // Response side.
    var httpStatus = ""
    var contentType = ""
    var headersSeen = false
    var grpcStatus: String?
    var grpcMessage: String?
    var trailingMetadata = Metadata()
    var completed = false
    /// With no `onMessage` (a unary call), the response message is kept here.
    var response: ArraySlice<UInt8>?
    /// Receives each response message, then the final status exactly once.
    let onMessage: ((ArraySlice<UInt8>) -> Void)?
    private let onClose: (RPCError) -> Void
    /// The caller's view of the method: its calls end here.
    let metrics: CallMetrics
    let started = ContinuousClock.now

    init(path: String, metadata: Metadata, deadline: ContinuousClock.Instant?, maxMessageSize: Int, metrics: CallMetrics,
         onMessage: ((ArraySlice<UInt8>) -> Void)?, onClose: @escaping (RPCError) -> Void) {
        self.path = path
        self.metadata = metadata
        self.deadline = deadline
        self.deframer = MessageDeframer(maxMessageSize: maxMessageSize)
        self.metrics = metrics
        self.onMessage = onMessage
        self.onClose = onClose
    }

    /// Ends the call once: counted, then `status` to the caller.
    func finish(_ status: RPCError) {
        guard !completed else { return }
        completed = true
        metrics.record(code: status.code, nanoseconds: started.duration(to: .now).nanoseconds)
        onClose(status)
    }

    func receive(_ message: ArraySlice<UInt8>) {
        if let onMessage { onMessage(message) } else { response = message }
    }

    /// The status this call ended with, from trailers or HTTP.
    func finalStatus() -> RPCError {
        if let grpcStatus {
            let code = Int(grpcStatus).flatMap(RPCError.Code.init(rawValue:)) ?? .unknown
            return RPCError(code, grpcMessage.map(GRPCHeaders.percentDecode) ?? "", metadata: trailingMetadata)
        }
        if !httpStatus.isEmpty && httpStatus != "200" {
            return RPCError(Self.code(forHTTPStatus: httpStatus), "HTTP status \(httpStatus)")
        }
        return RPCError(.unknown, "stream ended without grpc-status")
    }

    /// gRPC's mapping of HTTP statuses when no grpc-status came.
    static func code(forHTTPStatus status: String) -> RPCError.Code {
        switch status {
        case "400": .internalError
        case "401": .unauthenticated
        case "403": .permissionDenied
        case "404": .unimplemented
        case "429", "502", "503", "504": .unavailable
        default: .unknown
        }
    }

    /// gRPC's mapping of RST_STREAM error codes.
    static func code(forReset errorCode: UInt32) -> RPCError.Code {
        switch HTTP2ErrorCode(rawValue: errorCode) {
        case .refusedStream: .unavailable
        case .cancel: .cancelled
        case .enhanceYourCalm: .resourceExhausted
        case .inadequateSecurity: .permissionDenied
        default: .internalError
        }
    }
}
