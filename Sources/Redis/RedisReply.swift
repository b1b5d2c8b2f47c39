/// One reply of the Redis protocol (RESP2), copied out of hiredis.
public enum RedisReply: Sendable, Equatable {
    case string([UInt8])
    case integer(Int64)
    case array([RedisReply])
    case null
    case status(String)
    case error(String)

    public var text: String? {
        switch self {
        case .string(let bytes): String(decoding: bytes, as: UTF8.self)
        case .status(let text): text
        case .integer(let value): String(value)
        default: nil
        }
    }

    public var bytes: [UInt8]? { if case .string(let bytes) = self { bytes } else { nil } }
    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .string: text.flatMap { Int64($0) }
        default: nil
        }
    }
    public var array: [RedisReply] { if case .array(let elements) = self { elements } else { [] } }
    public var errorMessage: String? { if case .error(let message) = self { message } else { nil } }
}

/// Redis could not be reached or answered with an error; stores report it
/// as a `StoreError`, services as UNAVAILABLE.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One command: its name and arguments as bytes (values may be binary).
public struct RedisCommand: Sendable {
    public var arguments: [[UInt8]]

    public init(_ arguments: [any RedisArgument]) {
        self.arguments = arguments.map(\.redisBytes)
    }

    public init(_ arguments: any RedisArgument...) {
        self.init(arguments)
    }

    /// The key Redis Cluster routes the command by (its first argument after the name).
    var key: [UInt8]? {
        guard arguments.count > 1 else { return nil }
        let name = String(decoding: arguments[0], as: UTF8.self).uppercased()
        // EVAL/EVALSHA script numkeys key...; XREADGROUP ... STREAMS key; others: the first argument.
        switch name {
        case "EVAL", "EVALSHA": return arguments.count > 3 ? arguments[3] : nil
        case "XREADGROUP", "XREAD":
            guard let at = arguments.firstIndex(where: { String(decoding: $0, as: UTF8.self).uppercased() == "STREAMS" }), at + 1 < arguments.count else { return nil }
            return arguments[at + 1]
        case "XGROUP", "XINFO": return arguments.count > 2 ? arguments[2] : nil
        case "MULTI", "EXEC", "DISCARD", "PING", "INFO", "CLUSTER", "SCRIPT", "ASKING", "SELECT", "AUTH", "FLUSHALL", "DBSIZE": return nil
        default: return arguments[1]
        }
    }
}

public protocol RedisArgument: Sendable {
    var redisBytes: [UInt8] { get }
}

extension String: RedisArgument { public var redisBytes: [UInt8] { Array(utf8) } }
extension Int: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Int64: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Int32: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Double: RedisArgument { public var redisBytes: [UInt8] { Array(String(self).utf8) } }
extension Array: RedisArgument where Element == UInt8 { public var redisBytes: [UInt8] { self } }
