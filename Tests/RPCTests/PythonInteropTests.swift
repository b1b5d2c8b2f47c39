import Foundation
import RPC
import TestSupport
import Testing

let pythonDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("python").path

@Suite("stock Python grpcio client against our server", .serialized)
struct PythonInteropTests {
    @Test("every interop case passes")
    func interopCases() async throws {
        let echo = EchoService()
        let server = RPCServer(configuration: .init(port: 0), router: echo.router)
        try server.start()
        let (status, output) = try await run("python3", ["\(pythonDirectory)/interop_client.py", "127.0.0.1:\(server.port)"])
        #expect(status == 0)
        var seen: Set<String> = []
        for line in output.split(separator: "\n") {
            let result = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let name = result["case"] as! String
            seen.insert(name)
            #expect(result["ok"] as? Bool == true, "\(name): \(result["detail"] ?? "")")
        }
        #expect(seen.count == 14, "cases run: \(seen.sorted())")
        // The cancelled call's handler was cancelled on the server, not left running.
        let end = ContinuousClock.now + safetyTimeout
        while !echo.cancelled.withLock({ $0 }).contains("cancel-me") && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
        #expect(echo.cancelled.withLock { $0 }.contains("cancel-me"))
        await server.shutdown(grace: .seconds(1))
    }

    @Test("a request with the wrong content-type gets HTTP 415")
    func wrongContentType() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        defer { Task { await server.shutdown(grace: .milliseconds(10)) } }
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(getpid())")
        try Data([0, 0, 0, 0, 0]).write(to: body)
        let (_, output) = try await run("nghttp", ["-v", "-H", "content-type: text/plain", "-d", body.path, "http://127.0.0.1:\(server.port)/test.Echo/Get"])
        #expect(output.contains(":status: 415"), "\(output)")
    }
}
