import Foundation
import RPC
import TestSupport
import Testing

@Suite("transport resilience", .serialized)
struct ResilienceTests {
    @Test("a client fails fast while its endpoint is down and reconnects after the backoff")
    func reconnectAfterBackoff() async throws {
        let first = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try first.start()
        let port = first.port
        await first.shutdown(grace: .milliseconds(10))

        let client = try RPCClient(endpoint: .init(port: port), configuration: .init(initialBackoff: .milliseconds(100)))
        defer { client.shutdown() }
        await ClientCases(client: client).expectStatus(.unavailable) {
            let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "down"), timeout: safetyTimeout)
        }
        let second = RPCServer(configuration: .init(port: port), router: EchoService().router)
        try second.start()
        // The client comes back once its backoff has passed (however long a loaded machine makes that).
        var reply: EchoResponse?
        let end = ContinuousClock.now + safetyTimeout
        while reply == nil && ContinuousClock.now < end {
            reply = try? await client.unary("/test.Echo/Get", EchoRequest(text: "up"), timeout: safetyTimeout)
            if reply == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(reply?.text == "up")
        await second.shutdown(grace: .milliseconds(10))
    }

    @Test("round-robin spreads calls and keeps answering while one endpoint goes away")
    func roundRobinWithEjection() async throws {
        let (echoA, echoB) = (EchoService(), EchoService())
        let a = RPCServer(configuration: .init(port: 0), router: echoA.router)
        let b = RPCServer(configuration: .init(port: 0), router: echoB.router)
        try a.start()
        try b.start()
        let client = try RPCClient(endpoints: [.init(port: a.port), .init(port: b.port)], configuration: .init(initialBackoff: .milliseconds(300)))
        defer { client.shutdown() }
        for i in 0..<40 {
            let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "\(i)"), timeout: safetyTimeout)
        }
        #expect(echoA.served.load(ordering: .relaxed) == 20 && echoB.served.load(ordering: .relaxed) == 20)

        await a.shutdown(grace: .milliseconds(100))
        var failures: [RPCError] = []
        for i in 0..<100 {
            do {
                let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "\(i)"), timeout: safetyTimeout)
            } catch {
                failures.append(error)
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(echoB.served.load(ordering: .relaxed) >= 120)
        await b.shutdown(grace: .milliseconds(10))
    }

    @Test("graceful shutdown lets in-flight calls finish and refuses new ones")
    func gracefulShutdown() async throws {
        let echo = EchoService()
        let server = RPCServer(configuration: .init(port: 0), router: echo.router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port))
        defer { client.shutdown() }
        let inFlight = Task {
            let reply: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "slow", delayMS: 1000), timeout: safetyTimeout)
            return reply.text
        }
        // Conditions, not delays: the slow call is running before the shutdown starts...
        while echo.served.load(ordering: .relaxed) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let shutdown = Task { await server.shutdown(grace: .seconds(30)) }
        // ...and from some point on, new calls are refused (a call the server
        // accepted before its GOAWAY is served; one after it waits for the old
        // connection to drain and then finds no listener).
        var refusal: RPCError?
        let end = ContinuousClock.now + safetyTimeout
        while refusal == nil && ContinuousClock.now < end {
            do {
                let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "late"), timeout: safetyTimeout)
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                refusal = (error as? RPCError) ?? RPCError(.unknown, "\(error)")
            }
        }
        #expect(refusal?.code == .unavailable, "\(String(describing: refusal))")
        #expect(try await inFlight.value == "slow")
        await shutdown.value
    }

    @Test("a ping flood gets GOAWAY with ENHANCE_YOUR_CALM")
    func pingFlood() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        defer { Task { await server.shutdown(grace: .milliseconds(10)) } }
        let connection = try RawHTTP2Connection(port: server.port)
        var bytes = RawHTTP2Connection.preface + RawHTTP2Connection.frame(type: 4)
        for i in 0..<10 { bytes += RawHTTP2Connection.frame(type: 6, payload: [UInt8](repeating: UInt8(i), count: 8)) }
        connection.send(bytes)
        let frames = try await offThePool { connection.readFrames() }
        let goaway = frames.first { $0.type == 7 }
        let code = goaway.map { Array($0.payload[4..<8]).reduce(0) { $0 << 8 | UInt32($1) } }
        #expect(code == 0xB)
    }

    @Test("an occasional ping is answered, not punished")
    func pingAnswered() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        defer { Task { await server.shutdown(grace: .milliseconds(10)) } }
        let connection = try RawHTTP2Connection(port: server.port)
        connection.send(RawHTTP2Connection.preface + RawHTTP2Connection.frame(type: 4) + RawHTTP2Connection.frame(type: 6, payload: Array(1...8)))
        let frames = try await offThePool { connection.readFrames() }
        #expect(frames.contains { $0.type == 6 && $0.flags & 1 == 1 && $0.payload == Array(1...8) })
        #expect(!frames.contains { $0.type == 7 })
    }
}
