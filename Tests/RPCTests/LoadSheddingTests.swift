import Foundation
import RPC
import Synchronization
import TestSupport
import Testing

/// Holds calls until opened.
final class Gate: Sendable {
    private let waiting = Mutex<(open: Bool, continuations: [CheckedContinuation<Void, Never>])>((false, []))
    let arrived = Atomic<Int>(0)

    func pass() async {
        arrived.add(1, ordering: .relaxed)
        await withCheckedContinuation { continuation in
            let open = waiting.withLock { state -> Bool in
                if !state.open { state.continuations.append(continuation) }
                return state.open
            }
            if open { continuation.resume() }
        }
    }

    func open() {
        for continuation in waiting.withLock({ state in state.open = true; defer { state.continuations = [] }; return state.continuations }) {
            continuation.resume()
        }
    }
}

@Suite("load shedding")
struct LoadSheddingTests {
    @Test("past its limit a server refuses calls at once with RESOURCE_EXHAUSTED, still answers health, and admits again when calls finish")
    func shedsPastTheLimit() async throws {
        let gate = Gate()
        var router = RPCRouter()
        router.unary("test.Gate", "Wait") { (request: EchoRequest, _) in
            await gate.pass()
            return EchoResponse(text: request.text, payload: [], metadata: [])
        }
        let server = RPCServer(configuration: .init(port: 0, maxConcurrentCalls: 4), router: router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port))
        let held = (0..<4).map { i in
            Task { () throws(RPCError) -> EchoResponse in try await client.unary("/test.Gate/Wait", EchoRequest(text: "held \(i)"), timeout: safetyTimeout) }
        }
        while gate.arrived.load(ordering: .relaxed) < 4 { try await Task.sleep(for: .milliseconds(5)) }
        for i in 0..<6 {
            do {
                let _: EchoResponse = try await client.unary("/test.Gate/Wait", EchoRequest(text: "extra \(i)"), timeout: safetyTimeout)
                Issue.record("call \(i) past the limit was admitted")
            } catch {
                #expect(error.code == .resourceExhausted, "\(error)")
            }
        }
        #expect(gate.arrived.load(ordering: .relaxed) == 4, "refused calls never reached the handler")
        let health: HealthCheckResponse = try await client.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(), timeout: safetyTimeout)
        #expect(health.status == .serving)
        gate.open()
        for task in held { #expect(try await task.value.text.hasPrefix("held")) }
        // The slots are free again.
        let again: EchoResponse = try await client.unary("/test.Gate/Wait", EchoRequest(text: "after"), timeout: safetyTimeout)
        #expect(again.text == "after")
        client.shutdown()
        await server.shutdown(grace: .seconds(1))
    }
}
