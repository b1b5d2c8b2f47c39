import CoreMetrics
import Synchronization

/// What every server counts through swift-metrics (a no-op until the process
/// bootstraps a backend): calls by method and status, latency by method.
/// The metric objects are made once per (method, status) and reused rather
/// than looked up through the metrics system on every call.
enum CallMetrics {
    struct Key: Hashable {
        let path: String
        let code: RPCError.Code
    }

    static let handles = Mutex<[Key: (calls: Counter, latency: CoreMetrics.Timer)]>([:])

    static func record(path: String, code: RPCError.Code, elapsed: Duration) {
        let key = Key(path: path, code: code)
        let (calls, latency) = handles.withLock { handles in
            if let made = handles[key] { return made }
            let made = (Counter(label: "rpc_server_calls_total", dimensions: [("method", path), ("code", "\(code)")]),
                        CoreMetrics.Timer(label: "rpc_server_latency_seconds", dimensions: [("method", path)]))
            handles[key] = made
            return made
        }
        calls.increment()
        latency.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
