import Foundation
import RPC
import TestSupport
import Testing

/// A CA, server and client certificates, and an untrusted CA, made once per run.
let certificates: URL = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reco-certs-\(getpid())")
    let (status, _) = try! runBlocking("bash", ["\(pythonDirectory)/make_certs.sh", dir.path])
    precondition(status == 0, "make_certs.sh failed")
    return dir
}()

func certificate(_ name: String) -> String { certificates.appendingPathComponent(name).path }

@Suite("TLS and mTLS interop", .serialized)
struct TLSInteropTests {
    let serverTLS = TLSConfiguration(certificateChainFile: certificate("server.pem"), privateKeyFile: certificate("server.key"))
    var mutualServerTLS: TLSConfiguration {
        var tls = serverTLS
        tls.trustRootsFile = certificate("ca.pem")
        return tls
    }
    let clientTLS = TLSConfiguration(trustRootsFile: certificate("ca.pem"), serverHostname: "localhost")
    var mutualClientTLS: TLSConfiguration {
        var tls = clientTLS
        tls.certificateChainFile = certificate("client.pem")
        tls.privateKeyFile = certificate("client.key")
        return tls
    }

    func pythonClient(port: Int, withCertificate: Bool) async throws -> String {
        var arguments = ["\(pythonDirectory)/tls_client.py", "127.0.0.1:\(port)", certificate("ca.pem")]
        if withCertificate { arguments += [certificate("client.pem"), certificate("client.key")] }
        return try await run("python3", arguments).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("a grpcio client reaches our TLS server")
    func grpcioToOurTLS() async throws {
        let server = RPCServer(configuration: .init(port: 0, tls: serverTLS), router: EchoService().router)
        try server.start()
        #expect(try await pythonClient(port: server.port, withCertificate: false) == "OK")
        await server.shutdown(grace: .milliseconds(10))
    }

    @Test("our mTLS server accepts a client certificate from its CA and refuses a client without one")
    func grpcioToOurMutualTLS() async throws {
        let server = RPCServer(configuration: .init(port: 0, tls: mutualServerTLS), router: EchoService().router)
        try server.start()
        #expect(try await pythonClient(port: server.port, withCertificate: true) == "OK")
        #expect(try await pythonClient(port: server.port, withCertificate: false) == "UNAVAILABLE")
        await server.shutdown(grace: .milliseconds(10))
    }

    @Test("our TLS client passes every case against a grpcio mTLS server")
    func ourClientToGrpcioMutualTLS() async throws {
        let server = try await ChildProcess.start("python3", ["\(pythonDirectory)/echo_server.py", certificate("server.pem"), certificate("server.key"), certificate("ca.pem")])
        let port = try #require(await server.waitForLine(prefix: "PORT ").flatMap { Int($0) })
        let client = try RPCClient(endpoint: .init(port: port), configuration: .init(tls: mutualClientTLS))
        defer { client.shutdown() }
        try await ClientCases(client: client).all()

        let anonymous = try RPCClient(endpoint: .init(port: port), configuration: .init(tls: clientTLS))
        defer { anonymous.shutdown() }
        await ClientCases(client: anonymous).expectStatus(.unavailable) {
            let _: EchoResponse = try await anonymous.unary("/test.Echo/Get", EchoRequest(text: "x"), timeout: safetyTimeout)
        }
        try await server.stop()
    }

    @Test("our client refuses a server whose certificate is not from its CA")
    func untrustedServer() async throws {
        let server = RPCServer(configuration: .init(port: 0, tls: serverTLS), router: EchoService().router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port), configuration: .init(tls: TLSConfiguration(trustRootsFile: certificate("other-ca.pem"))))
        defer { client.shutdown() }
        do {
            let _: EchoResponse = try await client.unary("/test.Echo/Get", EchoRequest(text: "x"), timeout: safetyTimeout)
            Issue.record("connected to an untrusted server")
        } catch {
            #expect(error.code == .unavailable && error.message.contains("certificate"), "\(error)")
        }
        await server.shutdown(grace: .milliseconds(10))
    }

    @Test("our client and server run every case over mTLS")
    func ourClientToOurMutualTLS() async throws {
        let server = RPCServer(configuration: .init(port: 0, tls: mutualServerTLS), router: EchoService().router)
        try server.start()
        let client = try RPCClient(endpoint: .init(port: server.port), configuration: .init(tls: mutualClientTLS))
        try await ClientCases(client: client).all()
        client.shutdown()
        await server.shutdown(grace: .milliseconds(10))
    }
}
