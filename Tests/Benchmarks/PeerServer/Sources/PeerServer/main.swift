// grpc-swift-2 serving grpc.health.v1.Health/Check (a fixed SERVING reply,
// which is less work than our server's decode, lookup and encode) and
// bench.Echo/Echo (returns the request bytes), on the port in argv[1].
import GRPCCore
import GRPCNIOTransportHTTP2

struct RawBytes: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] { bytes.withUnsafeBytes { Array($0) } }
}

struct BenchService: RegistrableRPCService {
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "grpc.health.v1.Health", method: "Check"),
            deserializer: RawBytes(), serializer: RawBytes()
        ) { request, _ in
            for try await _ in request.messages {}
            return StreamingServerResponse(single: ServerResponse(message: [0x08, 0x01]))
        }
        router.registerHandler(
            forMethod: MethodDescriptor(fullyQualifiedService: "bench.Echo", method: "Echo"),
            deserializer: RawBytes(), serializer: RawBytes()
        ) { request, _ in
            var last: [UInt8] = []
            for try await message in request.messages { last = message }
            return StreamingServerResponse(single: ServerResponse(message: last))
        }
    }
}

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 0 : 0
let server = GRPCServer(
    transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: port), transportSecurity: .plaintext),
    services: [BenchService()]
)
try await withThrowingDiscardingTaskGroup { group in
    group.addTask { try await server.serve() }
    if let address = try await server.listeningAddress {
        print("listening \(address)")
    }
}
