public import Wire

/// The published recall lists: per (source, key, channel) a ranked list of
/// item ids, where the key is a user id (als, content), 0 (hot, new: one
/// list per channel) or an item id (similar). Stored in proto3 so a 2 MB file
/// loads in milliseconds:
/// `message RecallSetsFile { repeated Entry entries = 1; }`
/// `message Entry { string source = 1; int64 key = 2; int32 channel = 3; repeated int64 items = 4; }`
public struct RecallSets: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        public let source: String
        public let key: Int64
        public let channel: Int32

        public init(source: String, key: Int64, channel: Int32) {
            self.source = source
            self.key = key
            self.channel = channel
        }
    }

    public private(set) var lists: [Key: [Int64]] = [:]

    public init() {}

    public subscript(source: String, key: Int64, channel: Int32) -> [Int64] {
        get { lists[Key(source: source, key: key, channel: channel)] ?? [] }
        set { lists[Key(source: source, key: key, channel: channel)] = newValue }
    }

    public var count: Int { lists.count }

    public func serializedBytes() -> [UInt8] {
        File(entries: lists.sorted { ($0.key.source, $0.key.key, $0.key.channel) < ($1.key.source, $1.key.key, $1.key.channel) }
            .map { Entry(source: $0.key.source, key: $0.key.key, channel: $0.key.channel, items: $0.value) }).serializedBytes()
    }

    public init(serializedBytes bytes: [UInt8]) throws(WireError) {
        for entry in try File(serializedBytes: bytes).entries {
            lists[Key(source: entry.source, key: entry.key, channel: entry.channel)] = entry.items
        }
    }

    struct File: ProtoMessage {
        var entries: [Entry] = []
        var unknownFields = UnknownFields()

        init() {}
        init(entries: [Entry]) { self.entries = entries }

        mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
            if tag.number == 1, tag.wireType == .lengthDelimited {
                var entry = Entry()
                try reader.readMessage(into: &entry)
                entries.append(entry)
            } else {
                try reader.skip(tag, into: &unknownFields)
            }
        }

        func encodedSize() -> Int { entries.reduce(unknownFields.bytes.count) { $0 + WireSize.message(1, $1) } }

        func encode(to writer: inout ProtoWriter) {
            for entry in entries { writer.writeMessage(1, entry) }
            writer.writeUnknown(unknownFields)
        }
    }

    struct Entry: ProtoMessage {
        var source = ""
        var key: Int64 = 0
        var channel: Int32 = 0
        var items: [Int64] = []
        var unknownFields = UnknownFields()

        init() {}
        init(source: String, key: Int64, channel: Int32, items: [Int64]) {
            self.source = source
            self.key = key
            self.channel = channel
            self.items = items
        }

        mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
            switch (tag.number, tag.wireType) {
            case (1, .lengthDelimited): source = try reader.readString()
            case (2, .varint): key = try reader.readInt64()
            case (3, .varint): channel = try reader.readInt32()
            case (4, .varint), (4, .lengthDelimited): try reader.readRepeatedInt64(tag, into: &items)
            default: try reader.skip(tag, into: &unknownFields)
            }
        }

        func encodedSize() -> Int {
            WireSize.string(1, source) + WireSize.int64(2, key) + WireSize.int32(3, channel) + WireSize.packedInt64(4, items) + unknownFields.bytes.count
        }

        func encode(to writer: inout ProtoWriter) {
            writer.writeString(1, source)
            writer.writeInt64(2, key)
            writer.writeInt32(3, channel)
            writer.writePackedInt64(4, items)
            writer.writeUnknown(unknownFields)
        }
    }
}
