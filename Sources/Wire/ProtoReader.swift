/// A bounds-checked cursor over proto3 wire bytes. Every malformed input ends
/// in a `WireError`, never a trap: lengths are checked against what is left
/// before they are used, and nesting is bounded by `maxDepth`.
public struct ProtoReader {
    /// The nesting bound stock protobuf parsers use.
    public static let defaultMaxDepth = 100

    @usableFromInline let buffer: ArraySlice<UInt8>
    @usableFromInline var index: Int
    @usableFromInline var end: Int
    @usableFromInline let maxDepth: Int
    @usableFromInline var depth = 0
    /// Where the key of the field being decoded starts, for keeping unknown fields.
    @usableFromInline var fieldStart: Int

    public init(_ bytes: [UInt8], maxDepth: Int = ProtoReader.defaultMaxDepth) {
        self.init(bytes[...], maxDepth: maxDepth)
    }

    public init(_ bytes: ArraySlice<UInt8>, maxDepth: Int = ProtoReader.defaultMaxDepth) {
        buffer = bytes
        index = bytes.startIndex
        end = bytes.endIndex
        fieldStart = bytes.startIndex
        self.maxDepth = maxDepth
    }

    /// Offset from the start of the buffer, for error messages.
    @usableFromInline var offset: Int { index - buffer.startIndex }

    /// The next field's key, or nil at the end of the current message.
    public mutating func nextTag() throws(WireError) -> FieldTag? {
        guard index < end else { return nil }
        fieldStart = index
        let key = try readVarint()
        let number = key >> 3
        guard number != 0, number <= UInt64(FieldTag.maxFieldNumber) else {
            throw WireError(.invalidFieldNumber, at: fieldStart - buffer.startIndex, "field number \(number)")
        }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw WireError(.invalidWireType, at: fieldStart - buffer.startIndex, "wire type \(key & 7)")
        }
        if wireType == .startGroup || wireType == .endGroup {
            throw WireError(.groupNotSupported, at: fieldStart - buffer.startIndex, "field \(number)")
        }
        return FieldTag(number: Int(number), wireType: wireType)
    }

    /// A base-128 varint of at most 10 bytes; bits past the 64th are dropped,
    /// as in the reference implementation.
    @inlinable
    public mutating func readVarint() throws(WireError) -> UInt64 {
        guard index < end else { throw WireError(.truncated, at: index - buffer.startIndex, "varint") }
        let first = buffer[index]
        if first < 0x80 {
            index += 1
            return UInt64(first)
        }
        return try readVarintSlow()
    }

    @usableFromInline
    mutating func readVarintSlow() throws(WireError) -> UInt64 {
        let start = index
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < end else { throw WireError(.truncated, at: start - buffer.startIndex, "varint") }
            let byte = buffer[index]
            index += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return result }
            shift += 7
            if shift >= 70 { throw WireError(.malformedVarint, at: start - buffer.startIndex, "longer than 10 bytes") }
        }
    }

    public mutating func readFixed32() throws(WireError) -> UInt32 {
        guard end - index >= 4 else { throw WireError(.truncated, at: offset, "fixed32") }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(buffer[index + i]) << (8 * UInt32(i)) }
        index += 4
        return value
    }

    public mutating func readFixed64() throws(WireError) -> UInt64 {
        guard end - index >= 8 else { throw WireError(.truncated, at: offset, "fixed64") }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(buffer[index + i]) << (8 * UInt64(i)) }
        index += 8
        return value
    }

    /// proto3 `double`.
    public mutating func readDouble() throws(WireError) -> Double {
        Double(bitPattern: try readFixed64())
    }

    /// proto3 `int32`: the low 32 bits of a (possibly 10-byte, sign-extended) varint.
    @inlinable
    public mutating func readInt32() throws(WireError) -> Int32 {
        Int32(truncatingIfNeeded: try readVarint())
    }

    @inlinable
    public mutating func readInt64() throws(WireError) -> Int64 {
        Int64(bitPattern: try readVarint())
    }

    public mutating func readBool() throws(WireError) -> Bool {
        try readVarint() != 0
    }

    /// The range of a length-delimited value, checked against what is left.
    @usableFromInline
    mutating func readLengthDelimitedRange() throws(WireError) -> Range<Int> {
        let at = offset
        let length = try readVarint()
        guard length <= UInt64(end - index) else {
            throw WireError(.lengthOutOfRange, at: at, "length \(length) with \(end - index) bytes left")
        }
        let range = index..<(index + Int(length))
        index = range.upperBound
        return range
    }

    /// A proto3 `string`: must be valid UTF-8.
    public mutating func readString() throws(WireError) -> String {
        let at = offset
        let range = try readLengthDelimitedRange()
        if range.isEmpty { return "" }
        // UTF8Span validates with the standard library's non-generic fast
        // path; String(validating:as:) is generic and unspecialised here.
        let base = buffer.startIndex
        let bytes = buffer.span.extracting((range.lowerBound - base)..<(range.upperBound - base))
        do {
            return String(copying: try UTF8Span(validating: bytes))
        } catch {
            throw WireError(.invalidUTF8, at: at, "string field is not valid UTF-8")
        }
    }

    public mutating func readBytes() throws(WireError) -> [UInt8] {
        [UInt8](buffer[try readLengthDelimitedRange()])
    }

    /// Merges a nested message into `message`, in place: a second occurrence
    /// of the same field merges into the first, as proto3 requires.
    @inlinable
    public mutating func readMessage<M: ProtoMessage>(into message: inout M) throws(WireError) {
        let range = try readLengthDelimitedRange()
        guard depth < maxDepth else { throw WireError(.nestingTooDeep, at: offset, "more than \(maxDepth) levels") }
        let outerEnd = end
        index = range.lowerBound
        end = range.upperBound
        depth += 1
        defer {
            depth -= 1
            end = outerEnd
        }
        try message.merge(from: &self)
        index = range.upperBound
    }

    /// Appends `int64` values, packed (wire type 2) or one unpacked varint.
    public mutating func readRepeatedInt64(_ tag: FieldTag, into values: inout [Int64]) throws(WireError) {
        switch tag.wireType {
        case .varint:
            values.append(try readInt64())
        case .lengthDelimited:
            let range = try readLengthDelimitedRange()
            let outerEnd = end
            index = range.lowerBound
            end = range.upperBound
            defer { end = outerEnd }
            // One allocation: a varint ends at each byte without the high bit.
            var count = 0
            for byte in buffer[range] where byte < 0x80 { count += 1 }
            values.reserveCapacity(values.count + count)
            while index < end {
                // Ids below 16,384 (most catalogues' item ids) take one or two bytes.
                let first = buffer[index]
                if first < 0x80 {
                    values.append(Int64(first))
                    index += 1
                } else if index + 1 < end, buffer[index + 1] < 0x80 {
                    values.append(Int64(first & 0x7F) | Int64(buffer[index + 1]) << 7)
                    index += 2
                } else {
                    values.append(Int64(bitPattern: try readVarintSlow()))
                }
            }
        default:
            throw WireError(.invalidWireType, at: offset, "repeated int64 with wire type \(tag.wireType)")
        }
    }

    /// Appends `double` values, packed or one unpacked fixed64.
    public mutating func readRepeatedDouble(_ tag: FieldTag, into values: inout [Double]) throws(WireError) {
        switch tag.wireType {
        case .fixed64:
            values.append(Double(bitPattern: try readFixed64()))
        case .lengthDelimited:
            let range = try readLengthDelimitedRange()
            guard range.count % 8 == 0 else { throw WireError(.truncated, at: offset, "packed double of \(range.count) bytes") }
            let outerEnd = end
            index = range.lowerBound
            end = range.upperBound
            defer { end = outerEnd }
            values.reserveCapacity(values.count + range.count / 8)
            while index < end { values.append(Double(bitPattern: try readFixed64())) }
        default:
            throw WireError(.invalidWireType, at: offset, "repeated double with wire type \(tag.wireType)")
        }
    }

    /// Consumes the value of a field the message does not know and keeps its
    /// raw bytes, key included.
    public mutating func skip(_ tag: FieldTag, into unknown: inout UnknownFields) throws(WireError) {
        try skip(tag)
        unknown.append(buffer[fieldStart..<index])
    }

    /// Consumes the value of a field and drops it: for a reader that wants
    /// only part of a message (a load generator counting results, say).
    public mutating func skip(_ tag: FieldTag) throws(WireError) {
        switch tag.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readLengthDelimitedRange()
        case .startGroup, .endGroup:
            throw WireError(.groupNotSupported, at: fieldStart - buffer.startIndex, "field \(tag.number)")
        }
    }
}
