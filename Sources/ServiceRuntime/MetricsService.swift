import CoreMetrics
public import Messages
public import RPC
import Telemetry

/// `/reco.Metrics/snapshot`: every series this service counted (through
/// swift-metrics into `MetricsStore`), for recod and `recoctl top`.
public enum MetricsService {
    /// Makes `MetricsStore.shared` the process's swift-metrics backend.
    public static func bootstrap() {
        MetricsSystem.bootstrap(MetricsStore.shared)
    }

    public static func router(service: String) -> RPCRouter {
        var router = RPCRouter()
        router.unary("reco.Metrics", "snapshot") { (_: MetricsQuery, _) in MetricsStore.shared.snapshot(service: service) }
        return router
    }
}
