public import Wire

/// `Article` in user_reco.proto: ask for up to `articleNum` articles similar to `articleID`.
public struct Article: ProtoMessage, Hashable {
    public var articleID: Int64 = 0
    public var articleNum: Int32 = 0
    public var unknownFields = UnknownFields()

    public init() {}

    public init(articleID: Int64, articleNum: Int32) {
        self.articleID = articleID
        self.articleNum = articleNum
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .varint): articleID = try reader.readInt64()
        case (2, .varint): articleNum = try reader.readInt32()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.int64(1, articleID) + WireSize.int32(2, articleNum) + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeInt64(1, articleID)
        writer.writeInt32(2, articleNum)
        writer.writeUnknown(unknownFields)
    }
}
