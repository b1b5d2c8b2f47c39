import CoreMetrics

/// What every server counts through swift-metrics (a no-op until the process
/// bootstraps a backend): calls by method and status, latency by method.
enum CallMetrics {
    static func record(path: String, code: RPCError.Code, elapsed: Duration) {
        Counter(label: "rpc_server_calls_total", dimensions: [("method", path), ("code", "\(code)")]).increment()
        CoreMetrics.Timer(label: "rpc_server_latency_seconds", dimensions: [("method", path)])
            .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
