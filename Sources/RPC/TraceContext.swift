import Synchronization

/// W3C Trace Context (`traceparent: 00-<trace id>-<parent span id>-<flags>`):
/// the id that follows one user request through every hop, and the span of
/// this hop within it. A call without a valid `traceparent` starts a trace.
public struct TraceContext: Sendable, Hashable {
    public static let header = "traceparent"

    /// 32 lower-case hex digits.
    public let traceID: String
    /// This hop's span: 16 hex digits.
    public let spanID: String
    /// The caller's span, nil at the root.
    public let parentSpanID: String?

    public init(traceID: String, spanID: String, parentSpanID: String?) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
    }

    /// A new trace (the root span).
    public static func root() -> TraceContext {
        TraceContext(traceID: hex(IDSource.next()) + hex(IDSource.next()), spanID: newSpanID(), parentSpanID: nil)
    }

    /// The server span of a call whose caller sent `metadata`.
    public static func serving(_ metadata: Metadata) -> TraceContext {
        guard let parent = metadata[header].flatMap(Parent.init) else { return root() }
        return TraceContext(traceID: parent.traceID, spanID: newSpanID(), parentSpanID: parent.spanID)
    }

    /// The `traceparent` a call made from this span sends (sampled).
    public var headerValue: String { "00-\(traceID)-\(spanID)-01" }

    /// Metadata for a downstream call: this trace, this span as the parent.
    public var metadata: Metadata { Metadata([(Self.header, headerValue)]) }

    static func newSpanID() -> String { hex(IDSource.next()) }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A parsed `traceparent`: version 00, non-zero ids of the right length.
    struct Parent {
        let traceID: String
        let spanID: String

        init?(_ value: String) {
            let parts = value.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
                  parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() }),
                  parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" }) else { return nil }
            traceID = String(parts[1])
            spanID = String(parts[2])
        }
    }
}

/// Non-zero 64-bit ids without a system call each: SplitMix64 over an atomic
/// counter seeded once from the system generator. Unique and well spread,
/// which is what trace ids need; not secrets.
enum IDSource {
    static let seed = UInt64.random(in: 0...UInt64.max)
    static let counter = Atomic<UInt64>(0)

    static func next() -> UInt64 {
        var z = seed &+ counter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return z == 0 ? 1 : z
    }
}
