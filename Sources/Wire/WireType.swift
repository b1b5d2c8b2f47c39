/// The six proto wire types. Groups (3, 4) are recognised only so that the
/// reader can reject them by name: proto3 has no groups.
public enum WireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case startGroup = 3
    case endGroup = 4
    case fixed32 = 5
}

/// A field key as it appears on the wire: field number and wire type.
public struct FieldTag: Sendable, Equatable {
    public let number: Int
    public let wireType: WireType

    public init(number: Int, wireType: WireType) {
        self.number = number
        self.wireType = wireType
    }

    /// Largest field number proto allows (2^29 - 1).
    public static let maxFieldNumber = (1 << 29) - 1

    /// The key as the varint written before the field's value.
    public var key: UInt64 { UInt64(number) << 3 | UInt64(wireType.rawValue) }
}
