/// Encoded sizes, computed without writing, so a message can be framed and
/// its buffer allocated exactly once.
public enum WireSize {
    @inlinable
    public static func varint(_ value: UInt64) -> Int {
        // 1 byte per 7 significant bits, at least 1.
        let bits = 64 - (value | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    @inlinable
    public static func key(_ number: Int) -> Int {
        varint(UInt64(number) << 3)
    }

    @inlinable
    public static func int32(_ number: Int, _ value: Int32) -> Int {
        value == 0 ? 0 : key(number) + varint(UInt64(bitPattern: Int64(value)))
    }

    @inlinable
    public static func int64(_ number: Int, _ value: Int64) -> Int {
        value == 0 ? 0 : key(number) + varint(UInt64(bitPattern: value))
    }

    public static func bool(_ number: Int, _ value: Bool) -> Int {
        value ? key(number) + 1 : 0
    }

    @inlinable
    public static func string(_ number: Int, _ value: String) -> Int {
        let count = value.utf8.count
        return count == 0 ? 0 : key(number) + varint(UInt64(count)) + count
    }

    public static func bytes(_ number: Int, _ value: [UInt8]) -> Int {
        value.isEmpty ? 0 : key(number) + varint(UInt64(value.count)) + value.count
    }

    /// Size of a nested message field given the message's own size.
    @inlinable
    public static func message(_ number: Int, size: Int) -> Int {
        key(number) + varint(UInt64(size)) + size
    }

    @inlinable
    public static func message<M: ProtoMessage>(_ number: Int, _ message: M?) -> Int {
        guard let message else { return 0 }
        return self.message(number, size: message.encodedSize())
    }

    public static func packedInt64Payload(_ values: [Int64]) -> Int {
        values.reduce(0) { $0 + varint(UInt64(bitPattern: $1)) }
    }

    public static func packedInt64(_ number: Int, _ values: [Int64]) -> Int {
        guard !values.isEmpty else { return 0 }
        let payload = packedInt64Payload(values)
        return key(number) + varint(UInt64(payload)) + payload
    }

    public static func double(_ number: Int, _ value: Double) -> Int {
        value != 0 || value.sign == .minus ? key(number) + 8 : 0
    }

    public static func packedDouble(_ number: Int, _ values: [Double]) -> Int {
        guard !values.isEmpty else { return 0 }
        return key(number) + varint(UInt64(values.count * 8)) + values.count * 8
    }

    public static func repeatedString(_ number: Int, _ values: [String]) -> Int {
        values.reduce(0) { $0 + key(number) + varint(UInt64($1.utf8.count)) + $1.utf8.count }
    }
}
