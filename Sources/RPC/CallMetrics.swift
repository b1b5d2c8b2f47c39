import CoreMetrics
import Synchronization

/// What every server counts for one method through swift-metrics (a no-op
/// until the process bootstraps a backend): calls by status, and latency.
/// Each method has its own, so recording a call looks up only its status;
/// the metric objects are made once per status and reused.
final class CallMetrics: Sendable {
    let path: String
    private let handles = Mutex<[RPCError.Code: (calls: Counter, latency: CoreMetrics.Timer)]>([:])

    init(path: String) {
        self.path = path
    }

    func record(code: RPCError.Code, nanoseconds: Int64) {
        let (calls, latency) = handles.withLock { handles in
            if let made = handles[code] { return made }
            let made = (Counter(label: "rpc_server_calls_total", dimensions: [("method", path), ("code", "\(code)")]),
                        CoreMetrics.Timer(label: "rpc_server_latency_seconds", dimensions: [("method", path)]))
            handles[code] = made
            return made
        }
        calls.increment()
        latency.recordNanoseconds(nanoseconds)
    }
}
