public import Wire

/// `User` in user_reco.proto: a feed pull of `articleNum` articles of
/// `channelID` by `userID`, at `timeStamp` (ms since the epoch).
public struct User: ProtoMessage, Hashable {
    public var userID = ""
    public var channelID: Int32 = 0
    public var articleNum: Int32 = 0
    public var timeStamp: Int64 = 0
    public var unknownFields = UnknownFields()

    public init() {}

    public init(userID: String, channelID: Int32, articleNum: Int32, timeStamp: Int64) {
        self.userID = userID
        self.channelID = channelID
        self.articleNum = articleNum
        self.timeStamp = timeStamp
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): userID = try reader.readString()
        case (2, .varint): channelID = try reader.readInt32()
        case (3, .varint): articleNum = try reader.readInt32()
        case (4, .varint): timeStamp = try reader.readInt64()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.string(1, userID) + WireSize.int32(2, channelID) + WireSize.int32(3, articleNum)
            + WireSize.int64(4, timeStamp) + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, userID)
        writer.writeInt32(2, channelID)
        writer.writeInt32(3, articleNum)
        writer.writeInt64(4, timeStamp)
        writer.writeUnknown(unknownFields)
    }
}
