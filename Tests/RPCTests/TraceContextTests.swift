@testable import RPC
import TestSupport
import Testing

@Suite("W3C trace context and served spans")
struct TraceContextTests {
    @Test("a valid traceparent continues the caller's trace with a new span; its metadata names that span as the parent")
    func validParentContinuesTheTrace() {
        let incoming = Metadata([("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")])
        let trace = TraceContext.serving(incoming)
        #expect(trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && trace.parentSpanID == "00f067aa0ba902b7")
        #expect(trace.spanID.count == 16 && trace.spanID != "00f067aa0ba902b7")
        #expect(trace.metadata["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(trace.spanID)-01")
    }

    @Test("the header a span sends parses back to its trace and span, and only its own trace id matches it")
    func headerRoundTrips() {
        for _ in 0..<100 {
            let root = TraceContext.root()
            let child = TraceContext.serving(root.metadata)
            #expect(child.traceID == root.traceID && child.parentSpanID == root.spanID)
            #expect(root.traceID.count == 32 && root.spanID.count == 16 && root.headerValue.count == 55)
            #expect(child.isTrace(root.traceID) && !child.isTrace(TraceContext.root().traceID) && !child.isTrace("not hex"))
        }
        // Leading zeros are kept.
        let small = TraceContext.serving(Metadata([("traceparent", "00-0000000000000000000000000000000a-0000000000000001-01")]))
        #expect(small.traceID == "0000000000000000000000000000000a" && small.parentSpanID == "0000000000000001")
    }

    @Test("a missing or malformed traceparent starts a new trace", arguments: [
        nil, "", "garbage", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
        "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736--00f067aa0ba902b7-01",
    ])
    func malformedParentStartsATrace(header: String?) {
        let trace = TraceContext.serving(Metadata(header.map { [("traceparent", $0)] } ?? []))
        #expect(trace.parentSpanID == nil && trace.traceID.count == 32 && trace.traceID != "4bf92f3577b34da6a3ce929d0e0e4736")
    }

    @Test("the server records each call's span under the caller's trace, with its path, parent and status")
    func serverRecordsSpans() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port))
        let root = TraceContext.root()
        let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "traced"), timeout: safetyTimeout, metadata: root.metadata)
        // The span is recorded once the call has finished on the server: wait for it (a condition, not a delay).
        var spans: [ServedSpan] = []
        let end = ContinuousClock.now + safetyTimeout
        while spans.isEmpty && ContinuousClock.now < end {
            spans = SpanRecorder.shared.spans(traceID: root.traceID)
            if spans.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(spans.count == 1)
        #expect(spans.first?.path == "/test.Echo/Get" && spans.first?.trace.parentSpanID == root.spanID && spans.first?.code == .ok)
        #expect((spans.first?.durationMicros ?? -1) >= 0)
        client.shutdown()
        await server.shutdown(grace: .milliseconds(10))
    }

    @Test("the span ring keeps the newest spans only")
    func ringIsBounded() {
        let recorder = SpanRecorder(capacity: 3)
        let trace = TraceContext.root()
        for i in 0..<5 { recorder.record(path: "/s/\(i)", trace: trace) }
        #expect(recorder.spans(traceID: trace.traceID).map(\.path) == ["/s/2", "/s/3", "/s/4"])
    }
}

extension SpanRecorder {
    func record(path: String, trace: TraceContext) {
        record(ServedSpan(trace: trace, path: path, startMicros: Int64(path.last!.wholeNumberValue!), durationMicros: 1, code: .ok))
    }
}
