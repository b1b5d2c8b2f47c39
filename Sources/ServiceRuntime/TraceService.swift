public import Messages
public import RPC

/// `/reco.Trace/spans`: the calls this service served for one trace, from
/// the RPC layer's span ring; every service serves it.
public enum TraceService {
    public static func router(service: String) -> RPCRouter {
        var router = RPCRouter()
        router.unary("reco.Trace", "spans") { (query: SpanQuery, _) in
            guard query.traceID.count == 32, query.traceID.allSatisfy(\.isHexDigit) else {
                throw RPCError(.invalidArgument, "trace_id: 32 hex digits")
            }
            return SpanList(spans: SpanRecorder.shared.spans(traceID: query.traceID).map { span in
                Span(traceID: span.trace.traceID, spanID: span.trace.spanID, parentSpanID: span.trace.parentSpanID ?? "", path: span.path,
                     startMicros: span.startMicros, durationMicros: span.durationMicros, code: Int32(span.code.rawValue), service: service)
            })
        }
        return router
    }
}
