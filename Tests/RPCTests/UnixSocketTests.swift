import Foundation
import RPC
import TestSupport
import Testing

@Suite("Unix-domain sockets")
struct UnixSocketTests {
    @Test("a server listening on a Unix socket as well as TCP answers on both, and removes the socket file at shutdown")
    func servesOnBoth() async throws {
        let path = Fixture.temporaryDirectory("uds") + "/echo.sock"
        let server = RPCServer(configuration: .init(port: 0, unixSocketPath: path), router: EchoService().router)
        try server.start()
        let local = try RPCClient(endpoint: #require(RPCClient.Endpoint("unix:\(path)")))
        let tcp = try RPCClient(endpoint: .init(port: server.port))
        let overSocket: EchoResponse = try await local.unary("/test.Echo/Get", EchoRequest(text: "local", payload: [UInt8](repeating: 7, count: 100_000)))
        #expect(overSocket.text == "local" && overSocket.payload.count == 100_000)
        let overTCP: EchoResponse = try await tcp.unary("/test.Echo/Get", EchoRequest(text: "tcp"))
        #expect(overTCP.text == "tcp")
        local.shutdown()
        tcp.shutdown()
        await server.shutdown(grace: .milliseconds(10))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test("a socket file left by a dead server is replaced; one a live server listens on is refused")
    func staleAndLiveSockets() async throws {
        let path = Fixture.temporaryDirectory("uds") + "/echo.sock"
        // A socket file whose listener is gone, as a killed process leaves it.
        let python = try await ChildProcess.start("python3", ["-c", "import socket; socket.socket(socket.AF_UNIX).bind('\(path)')"])
        try await python.waitForExit()
        #expect(FileManager.default.fileExists(atPath: path))
        let first = RPCServer(configuration: .init(port: 0, unixSocketPath: path), router: EchoService().router)
        try first.start()
        let client = try RPCClient(endpoint: .init(socketPath: path))
        let reply: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "replaced"))
        #expect(reply.text == "replaced")
        let second = RPCServer(configuration: .init(port: 0, unixSocketPath: path), router: EchoService().router)
        #expect(throws: (any Error).self) { try second.start() }
        // The refused server did not take the file away from the live one.
        let again: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "still"))
        #expect(again.text == "still")
        client.shutdown()
        await first.shutdown(grace: .milliseconds(10))
    }

    @Test("a path that exists and is not a socket is never removed; an unreachable socket endpoint fails with UNAVAILABLE")
    func regularFileKeptAndMissingSocketUnavailable() async throws {
        let directory = Fixture.temporaryDirectory("uds")
        let file = directory + "/not-a-socket"
        FileManager.default.createFile(atPath: file, contents: Data("keep".utf8))
        let server = RPCServer(configuration: .init(port: 0, unixSocketPath: file), router: EchoService().router)
        #expect(throws: (any Error).self) { try server.start() }
        #expect(FileManager.default.contents(atPath: file) == Data("keep".utf8))
        let client = try RPCClient(endpoint: .init(socketPath: directory + "/nobody.sock"))
        let error = await #expect(throws: RPCError.self) {
            let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "x"), timeout: .seconds(2))
        }
        #expect(error?.code == .unavailable)
        client.shutdown()
    }

    @Test("endpoints parse host:port and unix:PATH (unix:///abs too) and print back")
    func endpointText() throws {
        #expect(RPCClient.Endpoint("127.0.0.1:50052") == RPCClient.Endpoint(host: "127.0.0.1", port: 50052))
        #expect(RPCClient.Endpoint("unix:/run/reco/Cache.sock")?.socketPath == "/run/reco/Cache.sock")
        #expect(RPCClient.Endpoint("unix:///run/reco/Cache.sock")?.socketPath == "/run/reco/Cache.sock")
        #expect(RPCClient.Endpoint("unix:data/run/Cache.sock")?.description == "unix:data/run/Cache.sock")
        #expect(RPCClient.Endpoint("unix:") == nil)
    }
}
