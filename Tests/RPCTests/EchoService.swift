import RPC
import Synchronization
import Wire

struct EchoRequest: ProtoMessage {
    var text = ""
    var payload: [UInt8] = []
    var repeatCount: Int32 = 0
    var delayMS: Int32 = 0
    var failCode: Int32 = 0
    var unknownFields = UnknownFields()

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): text = try reader.readString()
        case (2, .lengthDelimited): payload = try reader.readBytes()
        case (3, .varint): repeatCount = try reader.readInt32()
        case (4, .varint): delayMS = try reader.readInt32()
        case (5, .varint): failCode = try reader.readInt32()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    func encodedSize() -> Int {
        WireSize.string(1, text) + WireSize.bytes(2, payload) + WireSize.int32(3, repeatCount)
            + WireSize.int32(4, delayMS) + WireSize.int32(5, failCode) + unknownFields.bytes.count
    }

    func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, text)
        writer.writeBytes(2, payload)
        writer.writeInt32(3, repeatCount)
        writer.writeInt32(4, delayMS)
        writer.writeInt32(5, failCode)
        writer.writeUnknown(unknownFields)
    }
}

struct EchoResponse: ProtoMessage {
    var text = ""
    var payload: [UInt8] = []
    var index: Int32 = 0
    var metadata: [String] = []
    var unknownFields = UnknownFields()

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): text = try reader.readString()
        case (2, .lengthDelimited): payload = try reader.readBytes()
        case (3, .varint): index = try reader.readInt32()
        case (4, .lengthDelimited): metadata.append(try reader.readString())
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    func encodedSize() -> Int {
        metadata.reduce(WireSize.string(1, text) + WireSize.bytes(2, payload) + WireSize.int32(3, index) + unknownFields.bytes.count) {
            $0 + WireSize.string(4, $1)
        }
    }

    func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, text)
        writer.writeBytes(2, payload)
        writer.writeInt32(3, index)
        for entry in metadata { writer.writeString(4, entry) }
        writer.writeUnknown(unknownFields)
    }
}

/// The test service: echoes, streams, fails with a requested code, sleeps
/// (cancellably) and records which calls were cancelled.
final class EchoService: Sendable {
    let cancelled = Mutex<[String]>([])
    let served = Atomic<Int>(0)

    var router: RPCRouter {
        var router = RPCRouter()
        router.unary("test.Echo", "Get") { [self] (request: EchoRequest, context) in
            served.add(1, ordering: .relaxed)
            if request.delayMS > 0 {
                do {
                    try await Task.sleep(for: .milliseconds(Int(request.delayMS)))
                } catch {
                    cancelled.withLock { $0.append(request.text) }
                    throw error
                }
            }
            if request.failCode != 0 {
                throw RPCError(RPCError.Code(rawValue: Int(request.failCode)) ?? .unknown, request.text)
            }
            let metadata = context.metadata.map { entry -> String in
                switch entry.value {
                case .string(let value): "\(entry.key)=\(value)"
                case .binary(let bytes): "\(entry.key)=" + bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
                }
            }
            return EchoResponse(text: request.text, payload: request.payload, metadata: metadata)
        }
        router.serverStreaming("test.Echo", "Expand") { (request: EchoRequest, writer: ResponseWriter<EchoResponse>, _) in
            for index in 0..<request.repeatCount {
                try await writer.write(EchoResponse(text: request.text, index: index))
            }
        }
        router.clientStreaming("test.Echo", "Collect") { (requests: RequestStream<EchoRequest>, _) in
            var text = ""
            var count: Int32 = 0
            for try await request in requests {
                text += request.text
                count += 1
            }
            return EchoResponse(text: text, index: count)
        }
        router.bidirectionalStreaming("test.Echo", "Update") { (requests: RequestStream<EchoRequest>, writer: ResponseWriter<EchoResponse>, _) in
            for try await request in requests {
                try await writer.write(EchoResponse(text: request.text))
            }
        }
        return router
    }
}
