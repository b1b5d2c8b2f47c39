import RPC
import Synchronization
import TestSupport
import Testing

@Suite("fire-and-forget calls")
struct FireAndForgetTests {
    @Test("send delivers the request and reports the call's final status: OK, the handler's error, or a missed deadline")
    func sendReportsFinalStatus() async throws {
        let service = EchoService()
        let server = RPCServer(configuration: .init(port: 0), router: service.router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port))
        func status(of request: EchoRequest, path: String = "/test.Echo/Get", timeout: Duration = safetyTimeout) async -> RPCError.Code {
            await withCheckedContinuation { continuation in
                client.send(path, request, timeout: timeout) { continuation.resume(returning: $0.code) }
            }
        }
        #expect(await status(of: EchoRequest(text: "hello")) == .ok)
        #expect(await status(of: EchoRequest(text: "no", failCode: Int32(RPCError.Code.permissionDenied.rawValue))) == .permissionDenied)
        #expect(await status(of: EchoRequest(text: "late", delayMS: 2_000), timeout: .milliseconds(50)) == .deadlineExceeded)
        #expect(await status(of: EchoRequest(), path: "/test.Echo/Nope") == .unimplemented)
        client.shutdown()
        await server.shutdown(grace: .milliseconds(10))
    }
}

@Suite("deadlines passed on")
struct DeadlinePropagationTests {
    @Test("the longest grpc-timeout a caller can send (99999999H), passed on to the next hop, is a long deadline: no overflow, no instant expiry")
    func longestDeadlineRelayed() async throws {
        let echo = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try echo.start()
        let downstream = try RPCClient(endpoint: .init(port: echo.port))
        var relayRouter = RPCRouter()
        relayRouter.unary("test.Relay", "Get") { (request: EchoRequest, context) -> EchoResponse in
            try await downstream.unary("/test.Echo/Get", request, timeout: context.remaining())
        }
        let relay = RPCServer(configuration: .init(port: 0), router: relayRouter)
        try relay.start()
        let client = try RPCClient(endpoint: .init(port: relay.port))
        let longest = Duration.seconds(99_999_999 * 3600)
        let answer: EchoResponse = try await client.unary("/test.Relay/Get", EchoRequest(text: "far"), timeout: longest)
        #expect(answer.text == "far")
        // The relay is still up for the next call.
        let again: EchoResponse = try await client.unary("/test.Relay/Get", EchoRequest(text: "again"), timeout: safetyTimeout)
        #expect(again.text == "again")
        for c in [client, downstream] { c.shutdown() }
        for s in [relay, echo] { await s.shutdown(grace: .milliseconds(10)) }
    }
}
