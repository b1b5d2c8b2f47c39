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
