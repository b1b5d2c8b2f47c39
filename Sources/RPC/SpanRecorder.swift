import Foundation
import Synchronization

/// One served call of a trace: which method, when, how long, how it ended.
public struct ServedSpan: Sendable, Equatable {
    public let trace: TraceContext
    public let path: String
    /// Start, microseconds since the epoch.
    public let startMicros: Int64
    public let durationMicros: Int64
    public let code: RPCError.Code
}

/// The last calls this process served, kept in a ring so that `recoctl
/// trace` can ask every service what it did for one trace id. Bounded: the
/// oldest spans are overwritten.
public final class SpanRecorder: Sendable {
    public static let shared = SpanRecorder(capacity: 8192)

    let ring: Mutex<(spans: [ServedSpan?], next: Int)>

    public init(capacity: Int) {
        ring = Mutex(([ServedSpan?](repeating: nil, count: max(capacity, 1)), 0))
    }

    func record(_ span: ServedSpan) {
        ring.withLock { ring in
            ring.spans[ring.next] = span
            ring.next = (ring.next + 1) % ring.spans.count
        }
    }

    /// The kept spans of one trace, oldest first.
    public func spans(traceID: String) -> [ServedSpan] {
        ring.withLock { ring in ring.spans.compactMap { $0 }.filter { $0.trace.isTrace(traceID) } }
            .sorted { $0.startMicros < $1.startMicros }
    }

    static func nowMicros() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000_000) }
}
