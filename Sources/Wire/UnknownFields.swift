/// Fields a message type does not know, kept as their raw wire bytes (key
/// included) so that a service forwarding a message re-emits them unchanged.
public struct UnknownFields: Sendable, Equatable, Hashable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public var isEmpty: Bool { bytes.isEmpty }

    mutating func append(_ raw: ArraySlice<UInt8>) {
        bytes.append(contentsOf: raw)
    }
}
