public import Wire
import Synchronization

/// grpc.health.v1 `HealthCheckRequest`.
public struct HealthCheckRequest: ProtoMessage {
    public var service = ""
    public var unknownFields = UnknownFields()

    public init() {}
    public init(service: String) { self.service = service }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): service = try reader.readString()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int { WireSize.string(1, service) + unknownFields.bytes.count }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, service)
        writer.writeUnknown(unknownFields)
    }
}

/// grpc.health.v1 `HealthCheckResponse`.
public struct HealthCheckResponse: ProtoMessage {
    public enum ServingStatus: Int32, Sendable {
        case unknown = 0, serving = 1, notServing = 2, serviceUnknown = 3
    }

    /// The raw enum value: proto3 enums are open, unknown values are kept.
    public var statusValue: Int32 = 0
    public var unknownFields = UnknownFields()

    public var status: ServingStatus { ServingStatus(rawValue: statusValue) ?? .unknown }

    public init() {}
    public init(status: ServingStatus) { statusValue = status.rawValue }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .varint): statusValue = try reader.readInt32()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int { WireSize.int32(1, statusValue) + unknownFields.bytes.count }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeInt32(1, statusValue)
        writer.writeUnknown(unknownFields)
    }
}

/// The serving status behind `grpc.health.v1.Health` on every server. The
/// empty name is the whole server; services register their own names.
public final class HealthStatus: Sendable {
    private struct State {
        var statuses: [String: HealthCheckResponse.ServingStatus] = ["": .notServing]
        var watchers: [UInt64: (String, AsyncStream<HealthCheckResponse.ServingStatus>.Continuation)] = [:]
        var nextWatcher: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func set(_ service: String, _ status: HealthCheckResponse.ServingStatus) {
        let watchers = state.withLock { state -> [AsyncStream<HealthCheckResponse.ServingStatus>.Continuation] in
            state.statuses[service] = status
            return state.watchers.values.filter { $0.0 == service }.map(\.1)
        }
        for watcher in watchers { watcher.yield(status) }
    }

    func setServing(_ serving: Bool) {
        let names = state.withLock { Array($0.statuses.keys) }
        for name in names { set(name, serving ? .serving : .notServing) }
    }

    public func status(of service: String) -> HealthCheckResponse.ServingStatus? {
        state.withLock { $0.statuses[service] }
    }

    var router: RPCRouter {
        var router = RPCRouter()
        router.immediateUnary("grpc.health.v1.Health", "Check") { [self] (request: HealthCheckRequest, _) in
            guard let status = status(of: request.service) else {
                throw RPCError(.notFound, "unknown service '\(request.service)'")
            }
            return HealthCheckResponse(status: status)
        }
        router.serverStreaming("grpc.health.v1.Health", "Watch") { [self] (request: HealthCheckRequest, writer: ResponseWriter<HealthCheckResponse>, _) in
            let (updates, continuation) = AsyncStream<HealthCheckResponse.ServingStatus>.makeStream()
            let id = state.withLock { state in
                state.nextWatcher += 1
                state.watchers[state.nextWatcher] = (request.service, continuation)
                return state.nextWatcher
            }
            defer { _ = state.withLock { $0.watchers.removeValue(forKey: id) } }
            var last = status(of: request.service) ?? .serviceUnknown
            try await writer.write(HealthCheckResponse(status: last))
            await withTaskCancellationHandler {
                for await update in updates where update != last {
                    last = update
                    if (try? await writer.write(HealthCheckResponse(status: update))) == nil { return }
                }
            } onCancel: {
                continuation.finish()
            }
        }
        return router
    }
}
