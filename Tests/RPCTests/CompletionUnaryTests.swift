import RPC
import TestSupport
import Testing

@Suite("unary calls answered through a completion")
struct CompletionUnaryTests {
    /// Runs one completion call and waits for its answer.
    func answer(_ client: RPCClient, _ path: String, _ request: EchoRequest) async -> Result<EchoResponse, RPCError> {
        await withCheckedContinuation { continuation in
            client.unary(path, request, as: EchoResponse.self, timeout: safetyTimeout) { continuation.resume(returning: $0) }
        }
    }

    @Test("the completion gets the response, or the call's status: a failing handler, an unknown method, a deadline")
    func completionGetsTheAnswer() async throws {
        var router = RPCRouter()
        router.unary("test.Done", "Get") { (request: EchoRequest, _) in
            if request.failCode != 0 { throw RPCError(RPCError.Code(rawValue: Int(request.failCode)) ?? .unknown, request.text) }
            if request.text == "slow" { try? await Task.sleep(for: .seconds(2)) }
            return EchoResponse(text: request.text)
        }
        let server = RPCServer(configuration: .init(port: 0), router: router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port))
        defer { client.shutdown() }

        #expect(try await answer(client, "/test.Done/Get", EchoRequest(text: "done ✓")).get().text == "done ✓")
        let failed = await answer(client, "/test.Done/Get", EchoRequest(text: "no", failCode: Int32(RPCError.Code.notFound.rawValue)))
        #expect(failed.failureCode == .notFound)
        #expect(await answer(client, "/test.Done/Missing", EchoRequest(text: "x")).failureCode == .unimplemented)
        let late = await withCheckedContinuation { continuation in
            client.unary("/test.Done/Get", EchoRequest(text: "slow"), as: EchoResponse.self, timeout: .milliseconds(50)) { continuation.resume(returning: $0) }
        }
        #expect(late.failureCode == .deadlineExceeded)
        // Many at once on one connection, each answered once.
        let texts = await withTaskGroup(of: String?.self) { group in
            for i in 0..<64 { group.addTask { try? await answer(client, "/test.Done/Get", EchoRequest(text: String(i))).get().text } }
            return await group.reduce(into: [String]()) { if let text = $1 { $0.append(text) } }
        }
        #expect(texts.sorted() == (0..<64).map(String.init).sorted())
        await server.shutdown(grace: .milliseconds(10))
    }
}

extension Result where Failure == RPCError {
    var failureCode: RPCError.Code? {
        if case .failure(let error) = self { error.code } else { nil }
    }
}
