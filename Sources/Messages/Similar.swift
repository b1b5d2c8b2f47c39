public import Wire

/// `Similar` in user_reco.proto: the articles most like the one asked about, best first.
public struct Similar: ProtoMessage, Hashable {
    public var articleIDs: [Int64] = []
    public var unknownFields = UnknownFields()

    public init() {}

    public init(articleIDs: [Int64]) {
        self.articleIDs = articleIDs
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch tag.number {
        case 1 where tag.wireType == .varint || tag.wireType == .lengthDelimited:
            try reader.readRepeatedInt64(tag, into: &articleIDs)
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.packedInt64(1, articleIDs) + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writePackedInt64(1, articleIDs)
        writer.writeUnknown(unknownFields)
    }
}
