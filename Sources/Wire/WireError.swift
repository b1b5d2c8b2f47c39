/// Why bytes could not be decoded as a message. The RPC layer maps
/// `invalidUTF8` to INVALID_ARGUMENT and every other code to INTERNAL,
/// as gRPC prescribes for an undecodable request.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case truncated
        case malformedVarint
        case invalidWireType
        case invalidFieldNumber
        case groupNotSupported
        case lengthOutOfRange
        case invalidUTF8
        case nestingTooDeep
        case wrongWireTypeForField
    }

    public let code: Code
    public let offset: Int
    public let detail: String

    public init(_ code: Code, at offset: Int, _ detail: String = "") {
        self.code = code
        self.offset = offset
        self.detail = detail
    }

    public var description: String {
        detail.isEmpty ? "\(code.rawValue) at byte \(offset)" : "\(code.rawValue) at byte \(offset): \(detail)"
    }
}
