import Foundation
import RPC
import Synchronization

/// gRPC health checks of the programs, run as tasks so the supervisor's
/// thread never waits on the network; it reads the latest answers.
final class HealthProbe: Sendable {
    private let clients = Mutex<[String: RPCClient]>([:])
    private let serving = Mutex<[String: ContinuousClock.Instant]>([:])
    private let inFlight = Mutex<Set<String>>([])
    let timeout: Duration
    let tls: TLSConfiguration?

    init(timeout: Duration, tls: TLSConfiguration?) {
        self.timeout = timeout
        self.tls = tls
    }

    func probe(_ name: String, _ endpointText: String) {
        guard let endpoint = RPCClient.Endpoint(endpointText) else { return }
        guard inFlight.withLock({ $0.insert(name).inserted }) else { return }
        let client = clients.withLock { clients -> RPCClient? in
            if let client = clients[name] { return client }
            let client = try? RPCClient(endpoint: endpoint, configuration: .init(initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(200), tls: tls))
            clients[name] = client
            return client
        }
        guard let client else { _ = inFlight.withLock { $0.remove(name) }; return }
        let timeout = timeout
        Task.detached { [self] in
            let asked = ContinuousClock.now
            let response: HealthCheckResponse? = try? await client.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(service: ""), timeout: timeout)
            if response?.status == .serving { serving.withLock { $0[name] = asked } }
            _ = inFlight.withLock { $0.remove(name) }
        }
    }

    /// Whether a check asked at or after `instant` found it SERVING.
    func servingSince(_ name: String, _ instant: ContinuousClock.Instant) -> Bool {
        serving.withLock { $0[name].map { $0 >= instant } ?? false }
    }

    func lastServing(_ name: String) -> ContinuousClock.Instant? {
        serving.withLock { $0[name] }
    }

    func forget(_ name: String) {
        _ = serving.withLock { $0.removeValue(forKey: name) }
    }

    func shutdown() {
        for client in clients.withLock({ $0.values }) { client.shutdown() }
    }
}
