import Foundation
import RPC
import TestSupport
import Testing

/// The same cases, whichever server the client talks to.
struct ClientCases {
    let client: RPCClient

    func all() async throws {
        // Unary, with a non-ASCII string.
        let hello: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "hello ✓"), timeout: safetyTimeout)
        #expect(hello.text == "hello ✓")

        // 1 MiB both ways.
        let payload = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let big: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(payload: payload), timeout: safetyTimeout)
        #expect(big.payload == payload)

        // 200 concurrent calls on one connection.
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<200 {
                group.addTask {
                    let r: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: String(i)), timeout: safetyTimeout)
                    return r.text
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(texts == Set((0..<200).map(String.init)))

        // Server streaming.
        var indexes: [Int32] = []
        for try await r in client.serverStreaming("/test.Echo/Expand", EchoRequest(text: "x", repeatCount: 5), as: EchoResponse.self, timeout: safetyTimeout) {
            indexes.append(r.index)
        }
        #expect(indexes == [0, 1, 2, 3, 4])

        // Client streaming.
        let collect = client.streaming("/test.Echo/Collect", requestType: EchoRequest.self, responseType: EchoResponse.self, timeout: safetyTimeout)
        for text in ["a", "b", "c"] { collect.send(EchoRequest(text: text)) }
        collect.close()
        var collected: [EchoResponse] = []
        for try await r in collect.responses { collected.append(r) }
        #expect(collected.map(\.text) == ["abc"] && collected.first?.index == 3)

        // Bidirectional: each reply arrives before the next request is sent.
        let update = client.streaming("/test.Echo/Update", requestType: EchoRequest.self, responseType: EchoResponse.self, timeout: safetyTimeout)
        var replies = update.responses.makeAsyncIterator()
        update.send(EchoRequest(text: "p"))
        #expect(try await replies.next()?.text == "p")
        update.send(EchoRequest(text: "q"))
        #expect(try await replies.next()?.text == "q")
        update.close()
        #expect(try await replies.next() == nil)

        // Deadline exceeded.
        await expectStatus(.deadlineExceeded) {
            let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(delayMS: 5000), timeout: .milliseconds(200))
        }

        // Cancellation of the calling task.
        let slow = Task {
            let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "cancel-me", delayMS: 10_000))
        }
        try await Task.sleep(for: .milliseconds(200))
        slow.cancel()
        await expectStatus(.cancelled) { try await slow.value }

        // Unknown method.
        await expectStatus(.unimplemented) {
            let _: EchoResponse = try await client.unary("/test.Echo/Nope", EchoRequest(), timeout: safetyTimeout)
        }

        // Oversize request: the server's 4 MiB limit.
        await expectStatus(.resourceExhausted) {
            let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(payload: [UInt8](repeating: 7, count: 5 << 20)), timeout: safetyTimeout)
        }

        // A handler's status and percent-encoded message.
        do {
            let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "nope ✗ 100%", failCode: 5), timeout: safetyTimeout)
            Issue.record("expected NOT_FOUND")
        } catch {
            #expect(error.code == .notFound && error.message == "nope ✗ 100%")
        }

        // Metadata, text and binary.
        var metadata = Metadata()
        metadata.add("x-text", "v1")
        metadata.add("x-data-bin", binary: [0x00, 0x01, 0xFE, 0xFF])
        let echoed: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "m"), timeout: safetyTimeout, metadata: metadata)
        #expect(echoed.metadata.contains("x-text=v1") && echoed.metadata.contains("x-data-bin=0001feff"), "\(echoed.metadata)")

        // Health.
        let health: HealthCheckResponse = try await client.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(service: ""), timeout: safetyTimeout)
        #expect(health.status == .serving)
        await expectStatus(.notFound) {
            let _: HealthCheckResponse = try await client.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(service: "no.such.Service"), timeout: safetyTimeout)
        }
    }

    func expectStatus(_ code: RPCError.Code, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \(code), got OK")
        } catch let error as RPCError {
            #expect(error.code == code, "\(error)")
        } catch {
            Issue.record("expected \(code), got \(error)")
        }
    }
}

@Suite("our client against a stock grpcio server and against our server", .serialized)
struct ClientInteropTests {
    @Test("every case passes against Python grpcio")
    func againstPython() async throws {
        let server = try await ChildProcess.start("python3", ["\(pythonDirectory)/echo_server.py"])
        let port = try #require(await server.waitForLine(prefix: "PORT ").flatMap { Int($0) })
        let client = try RPCClient(endpoint: .init(port: port))
        try await ClientCases(client: client).all()
        client.shutdown()
        try await server.stop()
    }

    @Test("every case passes against our own server")
    func againstSwift() async throws {
        let echo = EchoService()
        let server = RPCServer(configuration: .init(port: 0), router: echo.router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port))
        try await ClientCases(client: client).all()
        client.shutdown()
        await server.shutdown(grace: .seconds(1))
    }
}
