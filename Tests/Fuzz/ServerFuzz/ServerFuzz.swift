// libFuzzer target for the server's whole input path (`make fuzz`): each
// input is written after the HTTP/2 client preface to a real RPCServer over
// loopback, so its bytes go through the socket layer, nghttp2's server
// session, the gRPC header and framing checks and the contract's decoder.
// The server must neither crash nor stop serving: every 256 inputs a valid
// health check has to succeed.
import Foundation
import Glibc
import Messages
import RPC

nonisolated(unsafe) var server: RPCServer?
nonisolated(unsafe) var executions = 0

func startServer() -> Int {
    if let server { return server.port }
    var router = RPCRouter()
    router.unary("UserRecommend", "user_recommend") { (user: User, _) in
        Track(exposure: user.userID, recommends: [Param1(articleID: Int64(user.articleNum), params: nil)], timeStamp: user.timeStamp)
    }
    router.clientStreaming("Behavior", "report_stream") { (actions: RequestStream<Action>, _) in
        var count: Int64 = 0
        for try await _ in actions { count += 1 }
        return Ack(accepted: count)
    }
    let started = RPCServer(configuration: .init(port: 0, maxReceiveMessageSize: 1 << 16, maxConcurrentCalls: 64), router: router)
    try! started.start()
    server = started
    return started.port
}

/// One loopback connection: preface + input, then read until the server closes or 100 ms pass.
func send(_ bytes: [UInt8], port: Int) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard connected == 0 else { return }
    var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let payload = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + bytes
    _ = payload.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    shutdown(fd, Int32(SHUT_WR))
    var buffer = [UInt8](repeating: 0, count: 16 << 10)
    while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
}

func stillServes(port: Int) {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var serving = false
    Task.detached {
        let client = try? RPCClient(endpoint: .init(port: port))
        let health: HealthCheckResponse? = try? await client?.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(), timeout: .seconds(5))
        serving = health?.status == .serving
        client?.shutdown()
        done.signal()
    }
    done.wait()
    if !serving { fatalError("the server stopped serving") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func serverFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let port = startServer()
    send(Array(UnsafeBufferPointer(start: data, count: size)), port: port)
    executions += 1
    if executions % 256 == 0 { stillServes(port: port) }
    return 0
}

// Only under `make fuzz` (-DFUZZING -parse-as-library): SwiftPM links an
// executable's entry point as `<Target>_main`; hand it to libFuzzer's driver.
// A plain build makes an executable that does nothing.
#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("ServerFuzz_main")
public func serverFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, serverFuzz)
}
#endif
