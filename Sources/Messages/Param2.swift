public import Wire

/// `param2` in user_reco.proto: the tracking JSON strings the backend logs
/// verbatim when the user clicks, collects, shares or reads an article.
public struct Param2: ProtoMessage, Hashable {
    public var click = ""
    public var collect = ""
    public var share = ""
    public var read = ""
    public var unknownFields = UnknownFields()

    public init() {}

    public init(click: String, collect: String, share: String, read: String) {
        self.click = click
        self.collect = collect
        self.share = share
        self.read = read
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): click = try reader.readString()
        case (2, .lengthDelimited): collect = try reader.readString()
        case (3, .lengthDelimited): share = try reader.readString()
        case (4, .lengthDelimited): read = try reader.readString()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.string(1, click) + WireSize.string(2, collect) + WireSize.string(3, share)
            + WireSize.string(4, read) + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, click)
        writer.writeString(2, collect)
        writer.writeString(3, share)
        writer.writeString(4, read)
        writer.writeUnknown(unknownFields)
    }
}
