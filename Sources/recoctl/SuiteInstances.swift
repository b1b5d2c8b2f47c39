import RPC
import ServiceRuntime

/// Every running instance of the five services, with a client of its own:
/// what `recoctl trace` and `recoctl top` ask one by one (each replica keeps
/// its own spans and counts). A replica is named `Service@port`.
enum SuiteInstances {
    static let services = ["ABRouter", "RecoCenter", "CacheService", "RecallService", "SortService"]

    static func clients(_ configuration: SuiteConfiguration) throws -> [(name: String, client: RPCClient)] {
        var clients: [(name: String, client: RPCClient)] = []
        for service in services {
            let endpoints = try configuration.endpoints(service)
            for endpoint in endpoints {
                let name = endpoints.count > 1 ? "\(service)@\(endpoint.port)" : service
                clients.append((name, try RPCClient(endpoint: endpoint, configuration: configuration.internalClient)))
            }
        }
        return clients
    }
}
