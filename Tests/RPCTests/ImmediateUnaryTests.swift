import RPC
import TestSupport
import Testing
import Wire

/// Field 1 as bytes that are not UTF-8: where `EchoRequest` has a string.
private struct NotUTF8Request: ProtoMessage {
    var unknownFields = UnknownFields()
    func encodedSize() -> Int { 3 }
    func encode(to writer: inout ProtoWriter) { writer.writeBytes(1, [0xFF]) }
    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) { try reader.skip(tag, into: &unknownFields) }
}

@Suite("immediate unary methods")
struct ImmediateUnaryTests {
    @Test("a handler that never suspends answers on the loop thread: its response, its metadata and trace, its status, a request that does not decode")
    func immediateHandlerAnswers() async throws {
        var router = RPCRouter()
        router.immediateUnary("test.Now", "Get") { (request: EchoRequest, context) in
            if request.failCode != 0 { throw RPCError(RPCError.Code(rawValue: Int(request.failCode)) ?? .unknown, request.text) }
            let metadata = context.metadata.compactMap { entry -> String? in
                if case .string(let value) = entry.value { "\(entry.key)=\(value)" } else { nil }
            }
            return EchoResponse(text: request.text, payload: Array(context.trace.traceID.utf8), metadata: metadata)
        }
        let server = RPCServer(configuration: .init(port: 0), router: router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port))
        defer { client.shutdown() }

        let trace = TraceContext.root()
        var metadata = trace.metadata
        metadata.add("x-case", "one")
        let answer: EchoResponse = try await client.unary("/test.Now/Get", EchoRequest(text: "now ✓"), timeout: safetyTimeout, metadata: metadata)
        #expect(answer.text == "now ✓")
        #expect(answer.metadata.contains("x-case=one"))
        #expect(String(decoding: answer.payload, as: UTF8.self) == trace.traceID, "the caller's trace continues")

        let cases = ClientCases(client: client)
        await cases.expectStatus(.permissionDenied) {
            let _: EchoResponse = try await client.unary("/test.Now/Get", EchoRequest(text: "no", failCode: Int32(RPCError.Code.permissionDenied.rawValue)), timeout: safetyTimeout)
        }
        await cases.expectStatus(.invalidArgument) {
            let _: EchoResponse = try await client.unary("/test.Now/Get", NotUTF8Request(), timeout: safetyTimeout)
        }
        // Many at once on one connection, each answered once.
        let texts = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<64 {
                group.addTask { let r: EchoResponse = try await client.unary("/test.Now/Get", EchoRequest(text: String(i)), timeout: safetyTimeout); return r.text }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(texts == Set((0..<64).map(String.init)))
        await server.shutdown(grace: .milliseconds(10))
    }

    @Test("a method answered now when it can be runs its task when it cannot: same response either way")
    func immediatelyOtherwiseTask() async throws {
        var router = RPCRouter()
        router.unary("test.Maybe", "Get", immediately: { (request: EchoRequest, _) in
            request.text.hasPrefix("later") ? nil : EchoResponse(text: "now " + request.text)
        }) { (request: EchoRequest, _) in
            try await Task.sleep(for: .milliseconds(5))
            if request.failCode != 0 { throw RPCError(.unavailable, "store down") }
            return EchoResponse(text: "task " + request.text)
        }
        let server = RPCServer(configuration: .init(port: 0), router: router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port))
        defer { client.shutdown() }
        let now: EchoResponse = try await client.unary("/test.Maybe/Get", EchoRequest(text: "a"), timeout: safetyTimeout)
        let later: EchoResponse = try await client.unary("/test.Maybe/Get", EchoRequest(text: "later b"), timeout: safetyTimeout)
        #expect(now.text == "now a" && later.text == "task later b")
        await ClientCases(client: client).expectStatus(.unavailable) {
            let _: EchoResponse = try await client.unary("/test.Maybe/Get", EchoRequest(text: "later", failCode: 1), timeout: safetyTimeout)
        }
        await server.shutdown(grace: .milliseconds(10))
    }
}
