/// What a writer needs of a value: its exact size and its bytes. Every
/// message is one; a server's response need be no more (ABRouter writes its
/// Track from the batch's parts without building the message first).
public protocol ProtoEncodable: Sendable {
    /// Exact number of bytes `encode(to:)` writes.
    func encodedSize() -> Int

    /// Writes the fields in field-number order, defaults omitted, then unknown fields.
    func encode(to writer: inout ProtoWriter)
}

/// A proto3 message with a hand-written codec. Conformers implement the
/// per-field parts; decoding loops, merging and framing live here once.
public protocol ProtoMessage: ProtoEncodable, Equatable {
    init()

    /// Fields this type does not define, re-emitted by `encode(to:)`.
    var unknownFields: UnknownFields { get set }

    /// Consumes one field whose key has been read. Unknown numbers must go to
    /// `reader.skip(_:into:)` so that they are kept.
    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError)
}

extension ProtoMessage {
    /// Decodes a whole buffer; a repeated singular field keeps the last value
    /// and a repeated message field merges, as stock proto3 parsers do.
    @inlinable
    public init(serializedBytes bytes: [UInt8], maxDepth: Int = ProtoReader.defaultMaxDepth) throws(WireError) {
        self.init()
        var reader = ProtoReader(bytes, maxDepth: maxDepth)
        try merge(from: &reader)
    }

    /// Decodes a sub-range of a buffer without copying it first.
    @inlinable
    public init(serializedBytes bytes: ArraySlice<UInt8>, maxDepth: Int = ProtoReader.defaultMaxDepth) throws(WireError) {
        self.init()
        var reader = ProtoReader(bytes, maxDepth: maxDepth)
        try merge(from: &reader)
    }

    /// Reads fields until the reader's end, merging them into `self`.
    @inlinable
    public mutating func merge(from reader: inout ProtoReader) throws(WireError) {
        while let tag = try reader.nextTag() {
            try decodeField(tag, from: &reader)
        }
    }

}

extension ProtoEncodable {
    /// The encoded message, after `headroom` zero bytes for a caller's prefix
    /// (the gRPC length prefix), in one allocation.
    @inlinable
    public func serializedBytes(headroom: Int = 0) -> [UInt8] {
        ProtoWriter.bytes(capacity: encodedSize(), headroom: headroom) { encode(to: &$0) }
    }
}
