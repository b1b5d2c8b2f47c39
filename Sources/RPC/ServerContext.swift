/// What a handler knows about its call besides the request.
public struct ServerContext: Sendable {
    /// `/Service/method`.
    public let path: String
    /// Custom metadata the client sent.
    public let metadata: Metadata
    /// From `grpc-timeout`; nil when the client set none.
    public let deadline: ContinuousClock.Instant?
    /// This call's span: the caller's trace (`traceparent`) or a new one.
    public let trace: TraceContext

    public init(path: String, metadata: Metadata = Metadata(), deadline: ContinuousClock.Instant? = nil) {
        self.path = path
        self.metadata = metadata
        self.deadline = deadline
        trace = TraceContext.serving(metadata)
    }

    /// What is left of the caller's budget, for deriving a downstream call's
    /// deadline: `min(remaining * share, cap)` keeps room to answer.
    public func remaining(share: Double = 1.0, cap: Duration? = nil) -> Duration? {
        guard let deadline else { return cap }
        let left = ContinuousClock.now.duration(to: deadline) * share
        guard let cap else { return left }
        return min(left, cap)
    }
}
