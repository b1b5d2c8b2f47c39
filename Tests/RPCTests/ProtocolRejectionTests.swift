import Foundation
@testable import RPC
import TestSupport
import Testing

/// Requests no gRPC library would send, made with nghttp (nghttp2-client).
@Suite("protocol rejections", .serialized)
struct ProtocolRejectionTests {
    func nghttp(port: Int, body: [UInt8], headers: [String], path: String = "/test.Echo/Get") async throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID())")
        try Data(body).write(to: file)
        var arguments = ["-v", "-d", file.path]
        for header in headers { arguments += ["-H", header] }
        return try await run("nghttp", arguments + ["http://127.0.0.1:\(port)\(path)"]).output
    }

    @Test("an unsupported grpc-encoding gets UNIMPLEMENTED and grpc-accept-encoding")
    func unsupportedEncoding() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        let output = try await nghttp(port: server.port, body: [0, 0, 0, 0, 0], headers: ["content-type: application/grpc", "te: trailers", "grpc-encoding: gzip"])
        #expect(output.contains("grpc-status: 12"), "\(output)")
        #expect(output.contains("grpc-accept-encoding: identity"), "\(output)")
        await server.shutdown(grace: .milliseconds(10))
    }

    @Test("a compressed message without grpc-encoding gets INTERNAL")
    func compressedWithoutEncoding() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        let output = try await nghttp(port: server.port, body: [1, 0, 0, 0, 1, 0x08], headers: ["content-type: application/grpc", "te: trailers"])
        #expect(output.contains("grpc-status: 13"), "\(output)")
        await server.shutdown(grace: .milliseconds(10))
    }

    @Test("a GET gets HTTP 405")
    func notPost() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        let output = try await run("nghttp", ["-v", "http://127.0.0.1:\(server.port)/test.Echo/Get"]).output
        #expect(output.contains(":status: 405"), "\(output)")
        await server.shutdown(grace: .milliseconds(10))
    }

    @Test("a request body cut inside a message gets INTERNAL")
    func truncatedMessage() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        let output = try await nghttp(port: server.port, body: [0, 0, 0, 0, 10, 0x0A, 0x01], headers: ["content-type: application/grpc", "te: trailers"])
        #expect(output.contains("grpc-status: 13"), "\(output)")
        await server.shutdown(grace: .milliseconds(10))
    }
}

@Suite("health")
struct HealthTests {
    @Test("Watch sends the current status, then each change")
    func watch() async throws {
        let server = RPCServer(configuration: .init(port: 0), router: EchoService().router)
        try server.start()
        server.health.set("reco.Feed", .serving)
        let client = try RPCClient(endpoint: .init(port: server.port))
        defer { client.shutdown() }
        var updates = client.serverStreaming("/grpc.health.v1.Health/Watch", HealthCheckRequest(service: "reco.Feed"), as: HealthCheckResponse.self, timeout: safetyTimeout).makeAsyncIterator()
        #expect(try await updates.next()?.status == .serving)
        server.health.set("reco.Feed", .notServing)
        #expect(try await updates.next()?.status == .notServing)
        server.health.set("reco.Feed", .serving)
        #expect(try await updates.next()?.status == .serving)
        await server.shutdown(grace: .milliseconds(100))
    }

}

@Suite("client status mapping")
struct ClientStatusMappingTests {
    func call() -> ClientCall {
        ClientCall(path: "/x/y", metadata: Metadata(), deadline: nil, maxMessageSize: 10, metrics: CallMetrics(path: "/x/y", side: .client), onMessage: { _ in }, onClose: { _ in })
    }

    @Test("a stream that ends without grpc-status is UNKNOWN")
    func missingStatus() {
        let c = call()
        c.httpStatus = "200"
        #expect(c.finalStatus().code == .unknown)
    }

    @Test("HTTP statuses map as gRPC prescribes when grpc-status is absent", arguments: [
        ("400", RPCError.Code.internalError), ("401", .unauthenticated), ("403", .permissionDenied), ("404", .unimplemented),
        ("429", .unavailable), ("502", .unavailable), ("503", .unavailable), ("504", .unavailable), ("500", .unknown),
    ])
    func httpStatus(status: String, code: RPCError.Code) {
        let c = call()
        c.httpStatus = status
        #expect(c.finalStatus().code == code)
    }

    @Test("RST_STREAM codes map to statuses", arguments: [
        (UInt32(0x7), RPCError.Code.unavailable), (0x8, .cancelled), (0xB, .resourceExhausted), (0xC, .permissionDenied), (0x2, .internalError),
    ])
    func resetCodes(code: UInt32, expected: RPCError.Code) {
        #expect(ClientCall.code(forReset: code) == expected)
    }

    @Test("grpc-status and a percent-encoded grpc-message come through")
    func trailers() {
        let c = call()
        c.httpStatus = "200"
        c.grpcStatus = "5"
        c.grpcMessage = "no%20such%20user"
        #expect(c.finalStatus() == RPCError(.notFound, "no such user"))
    }
}
