import Wire

/// A gRPC status: what every failure in the suite carries to the caller.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The gRPC status codes (doc/statuscodes.md).
    public enum Code: Int, Sendable, CaseIterable {
        case ok = 0
        case cancelled = 1
        case unknown = 2
        case invalidArgument = 3
        case deadlineExceeded = 4
        case notFound = 5
        case alreadyExists = 6
        case permissionDenied = 7
        case resourceExhausted = 8
        case failedPrecondition = 9
        case aborted = 10
        case outOfRange = 11
        case unimplemented = 12
        case internalError = 13
        case unavailable = 14
        case dataLoss = 15
        case unauthenticated = 16
    }

    public var code: Code
    public var message: String
    /// Trailing metadata sent with the status, or received with it.
    public var metadata: Metadata

    public init(_ code: Code, _ message: String = "", metadata: Metadata = Metadata()) {
        self.code = code
        self.message = message
        self.metadata = metadata
    }

    public var description: String { message.isEmpty ? "\(code)" : "\(code): \(message)" }

    /// The status a handler's thrown error becomes. An undecodable message is
    /// INTERNAL, as gRPC prescribes, except invalid UTF-8 in a string field,
    /// which is the caller's bad argument.
    public init(from error: any Error) {
        switch error {
        case let error as RPCError:
            self = error
        case let error as WireError:
            self.init(error.code == .invalidUTF8 ? .invalidArgument : .internalError, "cannot decode message: \(error)")
        case is CancellationError:
            self.init(.cancelled, "cancelled")
        default:
            self.init(.unknown, String(describing: error))
        }
    }
}
