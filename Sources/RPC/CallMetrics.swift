import CoreMetrics
import Synchronization

/// What every server and client counts for one method through swift-metrics
/// (a no-op until the process bootstraps a backend): calls by status, and
/// latency, as `rpc_server_*` (time in the handler) or `rpc_client_*` (time
/// the caller waited: the hop both ways, the server's queue and its handler).
/// Each method has its own, so recording a call looks up only its status;
/// the metric objects are made once per status and reused.
final class CallMetrics: Sendable {
    enum Side: String, Sendable { case server = "rpc_server", client = "rpc_client" }

    let path: String
    let side: Side
    private let handles = Mutex<[RPCError.Code: (calls: Counter, latency: CoreMetrics.Timer)]>([:])

    init(path: String, side: Side = .server) {
        self.path = path
        self.side = side
    }

    func record(code: RPCError.Code, nanoseconds: Int64) {
        let (calls, latency) = handles.withLock { handles in
            if let made = handles[code] { return made }
            let made = (Counter(label: "\(side.rawValue)_calls_total", dimensions: [("method", path), ("code", "\(code)")]),
                        CoreMetrics.Timer(label: "\(side.rawValue)_latency_seconds", dimensions: [("method", path)]))
            handles[code] = made
            return made
        }
        calls.increment()
        latency.recordNanoseconds(nanoseconds)
    }
}

extension Duration {
    /// Whole nanoseconds, what swift-metrics timers record.
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
