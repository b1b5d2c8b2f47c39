public import Wire

/// `Action` in behavior.proto: one thing a user did with an article.
public struct Action: ProtoMessage, Hashable {
    public var userID = ""
    public var articleID: Int64 = 0
    public var action = ""
    public var algorithmCombine = ""
    public var timeStamp: Int64 = 0
    public var readTime: Int64 = 0
    public var channelID: Int32 = 0
    public var param = ""
    public var unknownFields = UnknownFields()

    public init() {}

    public init(userID: String, articleID: Int64, action: String, algorithmCombine: String = "", timeStamp: Int64 = 0,
                readTime: Int64 = 0, channelID: Int32 = 0, param: String = "") {
        self.userID = userID
        self.articleID = articleID
        self.action = action
        self.algorithmCombine = algorithmCombine
        self.timeStamp = timeStamp
        self.readTime = readTime
        self.channelID = channelID
        self.param = param
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): userID = try reader.readString()
        case (2, .varint): articleID = try reader.readInt64()
        case (3, .lengthDelimited): action = try reader.readString()
        case (4, .lengthDelimited): algorithmCombine = try reader.readString()
        case (5, .varint): timeStamp = try reader.readInt64()
        case (6, .varint): readTime = try reader.readInt64()
        case (7, .varint): channelID = try reader.readInt32()
        case (8, .lengthDelimited): param = try reader.readString()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.string(1, userID) + WireSize.int64(2, articleID) + WireSize.string(3, action) + WireSize.string(4, algorithmCombine)
            + WireSize.int64(5, timeStamp) + WireSize.int64(6, readTime) + WireSize.int32(7, channelID) + WireSize.string(8, param)
            + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, userID)
        writer.writeInt64(2, articleID)
        writer.writeString(3, action)
        writer.writeString(4, algorithmCombine)
        writer.writeInt64(5, timeStamp)
        writer.writeInt64(6, readTime)
        writer.writeInt32(7, channelID)
        writer.writeString(8, param)
        writer.writeUnknown(unknownFields)
    }
}

/// `Ack` in behavior.proto: how many actions were accepted (durably logged).
public struct Ack: ProtoMessage, Hashable {
    public var accepted: Int64 = 0
    public var unknownFields = UnknownFields()

    public init() {}
    public init(accepted: Int64) { self.accepted = accepted }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        if tag.number == 1, tag.wireType == .varint { accepted = try reader.readInt64() } else { try reader.skip(tag, into: &unknownFields) }
    }

    public func encodedSize() -> Int { WireSize.int64(1, accepted) + unknownFields.bytes.count }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeInt64(1, accepted)
        writer.writeUnknown(unknownFields)
    }
}
