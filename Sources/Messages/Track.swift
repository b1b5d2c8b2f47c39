public import Wire

/// `Track` in user_reco.proto: the feed response. `exposure` is the tracking
/// JSON for the whole batch; `timeStamp` is what the client sends next to page
/// further back through its history.
public struct Track: ProtoMessage, Hashable {
    public var exposure = ""
    public var recommends: [Param1] = []
    public var timeStamp: Int64 = 0
    public var unknownFields = UnknownFields()

    public init() {}

    public init(exposure: String, recommends: [Param1], timeStamp: Int64) {
        self.exposure = exposure
        self.recommends = recommends
        self.timeStamp = timeStamp
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): exposure = try reader.readString()
        case (2, .lengthDelimited):
            var item = Param1()
            try reader.readMessage(into: &item)
            recommends.append(item)
        case (3, .varint): timeStamp = try reader.readInt64()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        var size = WireSize.string(1, exposure) + WireSize.int64(3, timeStamp) + unknownFields.bytes.count
        for item in recommends { size += WireSize.message(2, item) }
        return size
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, exposure)
        for item in recommends { writer.writeMessage(2, item) }
        writer.writeInt64(3, timeStamp)
        writer.writeUnknown(unknownFields)
    }
}
