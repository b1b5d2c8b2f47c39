public import Wire

/// `reco.ItemList` (Protos/reco_internal.proto): every internal answer, a
/// ranked list of article ids with what produced it.
public struct ItemList: ProtoMessage, Hashable {
    public var articleIDs: [Int64] = []
    public var scores: [Double] = []
    public var sources: [Int64] = []
    public var version = ""
    public var timeStamp: Int64 = 0
    public var degraded: [String] = []
    public var fromHistory = false
    public var unknownFields = UnknownFields()

    public init() {}

    public init(articleIDs: [Int64], scores: [Double] = [], sources: [Int64] = [], version: String = "",
                timeStamp: Int64 = 0, degraded: [String] = [], fromHistory: Bool = false) {
        self.articleIDs = articleIDs
        self.scores = scores
        self.sources = sources
        self.version = version
        self.timeStamp = timeStamp
        self.degraded = degraded
        self.fromHistory = fromHistory
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .varint), (1, .lengthDelimited): try reader.readRepeatedInt64(tag, into: &articleIDs)
        case (2, .fixed64), (2, .lengthDelimited): try reader.readRepeatedDouble(tag, into: &scores)
        case (3, .varint), (3, .lengthDelimited): try reader.readRepeatedInt64(tag, into: &sources)
        case (4, .lengthDelimited): version = try reader.readString()
        case (5, .varint): timeStamp = try reader.readInt64()
        case (6, .lengthDelimited): degraded.append(try reader.readString())
        case (7, .varint): fromHistory = try reader.readBool()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        let size = WireSize.packedInt64(1, articleIDs) + WireSize.packedDouble(2, scores) + WireSize.packedInt64(3, sources)
            + WireSize.string(4, version) + WireSize.int64(5, timeStamp) + WireSize.bool(7, fromHistory)
            + unknownFields.bytes.count
        return size + WireSize.repeatedString(6, degraded)
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writePackedInt64(1, articleIDs)
        writer.writePackedDouble(2, scores)
        writer.writePackedInt64(3, sources)
        writer.writeString(4, version)
        writer.writeInt64(5, timeStamp)
        writer.writeRepeatedString(6, degraded)
        writer.writeBool(7, fromHistory)
        writer.writeUnknown(unknownFields)
    }
}
