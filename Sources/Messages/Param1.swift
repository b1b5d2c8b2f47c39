public import Wire

/// `param1` in user_reco.proto: one recommended article and its tracking strings.
public struct Param1: ProtoMessage, Hashable {
    public var articleID: Int64 = 0
    /// Absent and empty differ on the wire (proto3 message fields have presence).
    public var params: Param2?
    public var unknownFields = UnknownFields()

    public init() {}

    public init(articleID: Int64, params: Param2?) {
        self.articleID = articleID
        self.params = params
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .varint): articleID = try reader.readInt64()
        case (2, .lengthDelimited):
            if params == nil { params = Param2() }
            try reader.readMessage(into: &params!)
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.int64(1, articleID) + WireSize.message(2, params) + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeInt64(1, articleID)
        writer.writeMessage(2, params)
        writer.writeUnknown(unknownFields)
    }
}
