import Foundation
import RPC
import TestSupport
import Testing

/// The directory holding the built executables (next to the test bundle).

@Suite("SIGTERM")
struct SignalShutdownTests {
    @Test("SIGTERM lets an in-flight call finish, then the process exits")
    func sigtermDrains() async throws {
        let server = try await ChildProcess.start("\(productsDirectory)/EchoServer", ["0"])
        let port = try #require(await server.waitForLine(prefix: "listening ").flatMap { Int($0) })
        let client = try RPCClient(endpoint: .init(port: port))
        defer { client.shutdown() }
        let warm: HealthCheckResponse = try await client.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(), timeout: safetyTimeout)
        #expect(warm.status == .serving)
        // bench.Echo/Slow sleeps 300 ms; a HealthCheckRequest has the wire shape of its Blob.
        let slow = Task {
            let reply: HealthCheckRequest = try await client.unary("/bench.Echo/Slow", HealthCheckRequest(service: "in flight"), timeout: safetyTimeout)
            return reply.service
        }
        // Signal only once the server holds the call, however loaded the machine.
        #expect(await server.waitForLine(prefix: "slow call started") != nil)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(try await slow.value == "in flight")
        try await server.waitForExit()
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0)
    }
}
