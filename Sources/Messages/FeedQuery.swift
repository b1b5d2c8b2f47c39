public import Wire

/// `reco.FeedQuery` (Protos/reco_internal.proto): every internal request,
/// naming the user, channel and what the callee should do it with.
public struct FeedQuery: ProtoMessage, Hashable {
    public var userID = ""
    public var channelID: Int32 = 0
    public var count: Int32 = 0
    public var articleIDs: [Int64] = []
    public var sources: [Int64] = []
    public var model: Int64 = 0
    public var timeStamp: Int64 = 0
    public var strategy = ""
    public var unknownFields = UnknownFields()

    public init() {}

    public init(userID: String, channelID: Int32, count: Int32 = 0, articleIDs: [Int64] = [], sources: [Int64] = [],
                model: Int64 = 0, timeStamp: Int64 = 0, strategy: String = "") {
        self.userID = userID
        self.channelID = channelID
        self.count = count
        self.articleIDs = articleIDs
        self.sources = sources
        self.model = model
        self.timeStamp = timeStamp
        self.strategy = strategy
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): userID = try reader.readString()
        case (2, .varint): channelID = try reader.readInt32()
        case (3, .varint): count = try reader.readInt32()
        case (4, .varint), (4, .lengthDelimited): try reader.readRepeatedInt64(tag, into: &articleIDs)
        case (5, .varint), (5, .lengthDelimited): try reader.readRepeatedInt64(tag, into: &sources)
        case (6, .varint): model = try reader.readInt64()
        case (7, .varint): timeStamp = try reader.readInt64()
        case (8, .lengthDelimited): strategy = try reader.readString()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.string(1, userID) + WireSize.int32(2, channelID) + WireSize.int32(3, count)
            + WireSize.packedInt64(4, articleIDs) + WireSize.packedInt64(5, sources) + WireSize.int64(6, model)
            + WireSize.int64(7, timeStamp) + WireSize.string(8, strategy) + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, userID)
        writer.writeInt32(2, channelID)
        writer.writeInt32(3, count)
        writer.writePackedInt64(4, articleIDs)
        writer.writePackedInt64(5, sources)
        writer.writeInt64(6, model)
        writer.writeInt64(7, timeStamp)
        writer.writeString(8, strategy)
        writer.writeUnknown(unknownFields)
    }
}
