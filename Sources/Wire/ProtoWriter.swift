/// Writes proto3 wire bytes into a buffer sized up front by `encodedSize()`,
/// so a message is allocated once and written without per-byte growth checks.
///
/// This file is the only place in `Wire` that touches raw memory. Every write
/// is checked against the capacity: a wrong `encodedSize()` traps instead of
/// writing past the buffer.
public struct ProtoWriter {
    @usableFromInline let base: UnsafeMutablePointer<UInt8>
    @usableFromInline let capacity: Int
    @usableFromInline var position = 0

    @usableFromInline
    init(base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Runs `body` over a writer of exactly `capacity` bytes and returns them,
    /// after `headroom` zero bytes the caller may fill (a gRPC frame prefix).
    @inlinable
    public static func bytes(capacity: Int, headroom: Int = 0, _ body: (inout ProtoWriter) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: max(capacity + headroom, 1)) { buffer, count in
            let start = buffer.baseAddress!
            start.initialize(repeating: 0, count: headroom)
            var writer = ProtoWriter(base: start + headroom, capacity: capacity)
            body(&writer)
            precondition(writer.position == capacity, "encodedSize() \(capacity) but wrote \(writer.position) bytes")
            count = headroom + writer.position
        }
    }

    @inlinable
    mutating func append(_ byte: UInt8) {
        precondition(position < capacity, "write past encodedSize()")
        base[position] = byte
        position += 1
    }

    @inlinable
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        precondition(capacity - position >= bytes.count, "write past encodedSize()")
        (base + position).update(from: source, count: bytes.count)
        position += bytes.count
    }

    @inlinable
    mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    @inlinable
    public mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        append(UInt8(value))
    }

    @inlinable
    public mutating func writeKey(_ number: Int, _ wireType: WireType) {
        writeVarint(UInt64(number) << 3 | UInt64(wireType.rawValue))
    }

    /// `int32` sign-extends to 64 bits, so a negative value takes 10 bytes.
    @inlinable
    public mutating func writeInt32(_ number: Int, _ value: Int32) {
        guard value != 0 else { return }
        writeKey(number, .varint)
        writeVarint(UInt64(bitPattern: Int64(value)))
    }

    @inlinable
    public mutating func writeInt64(_ number: Int, _ value: Int64) {
        guard value != 0 else { return }
        writeKey(number, .varint)
        writeVarint(UInt64(bitPattern: value))
    }

    public mutating func writeBool(_ number: Int, _ value: Bool) {
        guard value else { return }
        writeKey(number, .varint)
        append(1)
    }

    @inlinable
    public mutating func writeString(_ number: Int, _ value: String) {
        guard !value.utf8.isEmpty else { return }
        writeStringField(number, value)
    }

    /// Repeated strings: every element is written, empty ones included.
    public mutating func writeRepeatedString(_ number: Int, _ values: [String]) {
        for value in values { writeStringField(number, value) }
    }

    @inlinable
    mutating func writeStringField(_ number: Int, _ value: String) {
        var value = value
        let count = value.utf8.count
        writeKey(number, .lengthDelimited)
        writeVarint(UInt64(count))
        // Native strings are contiguous; a bridged one is made native first.
        if value.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
            value.makeContiguousUTF8()
            value.utf8.withContiguousStorageIfAvailable { append(contentsOf: $0) }
        }
    }

    /// Part of the payload of a length-delimited field whose key and length
    /// the caller wrote (`writeKey`, `writeVarint`): a field assembled from
    /// parts without building it first.
    public mutating func writePayload(_ bytes: [UInt8]) {
        append(contentsOf: bytes)
    }

    /// One byte of such a payload.
    public mutating func writePayload(byte: UInt8) {
        append(byte)
    }

    /// Where the next byte goes: a mark for `writePayload(repeating:)`.
    public var offset: Int { position }

    /// `count` payload bytes this writer already wrote at `start`, written
    /// again: a part several fields repeat (the tracking strings of one
    /// item) is assembled once.
    public mutating func writePayload(repeating start: Int, count: Int) {
        precondition(start >= 0 && count >= 0 && start + count <= position, "repeat of bytes not written")
        precondition(capacity - position >= count, "write past encodedSize()")
        (base + position).update(from: base + start, count: count)  // disjoint: the source ends before position
        position += count
    }

    public mutating func writeBytes(_ number: Int, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        writeKey(number, .lengthDelimited)
        writeVarint(UInt64(value.count))
        append(contentsOf: value)
    }

    /// A present nested message is written even when empty (proto3 message
    /// fields have presence).
    @inlinable
    public mutating func writeMessage<M: ProtoMessage>(_ number: Int, _ message: M?) {
        guard let message else { return }
        writeMessage(number, message, size: message.encodedSize())
    }

    @inlinable
    public mutating func writeMessage<M: ProtoMessage>(_ number: Int, _ message: M, size: Int) {
        writeKey(number, .lengthDelimited)
        writeVarint(UInt64(size))
        message.encode(to: &self)
    }

    /// Repeated scalars are emitted packed, as proto3 does by default.
    public mutating func writePackedInt64(_ number: Int, _ values: [Int64]) {
        guard !values.isEmpty else { return }
        writeKey(number, .lengthDelimited)
        writeVarint(UInt64(WireSize.packedInt64Payload(values)))
        for value in values { writeVarint(UInt64(bitPattern: value)) }
    }

    /// `double` (fixed64, little-endian); 0 is not written (proto3 default).
    public mutating func writeDouble(_ number: Int, _ value: Double) {
        guard value != 0 || value.sign == .minus else { return }
        writeKey(number, .fixed64)
        let bits = value.bitPattern
        for i in 0..<8 { append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
    }

    /// Repeated `double`, packed: eight little-endian bytes each.
    public mutating func writePackedDouble(_ number: Int, _ values: [Double]) {
        guard !values.isEmpty else { return }
        writeKey(number, .lengthDelimited)
        writeVarint(UInt64(values.count * 8))
        for value in values {
            let bits = value.bitPattern
            for i in 0..<8 { append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
        }
    }

    public mutating func writeUnknown(_ unknown: UnknownFields) {
        append(contentsOf: unknown.bytes)
    }
}
