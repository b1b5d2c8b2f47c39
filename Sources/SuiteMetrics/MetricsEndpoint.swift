import Hummingbird
public import RPC

/// recod's HTTP/1.1 side (Hummingbird): `GET /metrics`, the Prometheus text
/// format of the whole suite, and `GET /`, the dashboard drawn from it.
/// Runs until the task running it is cancelled.
public enum MetricsEndpoint {
    /// Serves on `endpoint` (port 0: any free port); `ready` gets the bound port.
    public static func run(_ exporter: SuiteMetricsExporter, on endpoint: RPCClient.Endpoint, ready: @escaping @Sendable (Int) -> Void) async throws {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            let bytes = await exporter.scrape()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname(endpoint.host, port: endpoint.port), serverName: "recod"),
                              onServerRunning: { channel in ready(channel.localAddress?.port ?? endpoint.port) })
        try await app.run()
    }
}
