public import Wire

/// `SpanQuery` in reco_internal.proto: the spans a service kept for one trace.
public struct SpanQuery: ProtoMessage, Hashable {
    public var traceID = ""
    public var unknownFields = UnknownFields()

    public init() {}
    public init(traceID: String) { self.traceID = traceID }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): traceID = try reader.readString()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int { WireSize.string(1, traceID) + unknownFields.bytes.count }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, traceID)
        writer.writeUnknown(unknownFields)
    }
}

/// `Span` in reco_internal.proto: one call a service served within a trace.
public struct Span: ProtoMessage, Hashable {
    public var traceID = ""
    public var spanID = ""
    public var parentSpanID = ""
    public var path = ""
    public var startMicros: Int64 = 0
    public var durationMicros: Int64 = 0
    public var code: Int32 = 0
    public var service = ""
    public var unknownFields = UnknownFields()

    public init() {}

    public init(traceID: String, spanID: String, parentSpanID: String, path: String, startMicros: Int64, durationMicros: Int64, code: Int32, service: String) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.path = path
        self.startMicros = startMicros
        self.durationMicros = durationMicros
        self.code = code
        self.service = service
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): traceID = try reader.readString()
        case (2, .lengthDelimited): spanID = try reader.readString()
        case (3, .lengthDelimited): parentSpanID = try reader.readString()
        case (4, .lengthDelimited): path = try reader.readString()
        case (5, .varint): startMicros = try reader.readInt64()
        case (6, .varint): durationMicros = try reader.readInt64()
        case (7, .varint): code = try reader.readInt32()
        case (8, .lengthDelimited): service = try reader.readString()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.string(1, traceID) + WireSize.string(2, spanID) + WireSize.string(3, parentSpanID) + WireSize.string(4, path)
            + WireSize.int64(5, startMicros) + WireSize.int64(6, durationMicros) + WireSize.int32(7, code) + WireSize.string(8, service)
            + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, traceID)
        writer.writeString(2, spanID)
        writer.writeString(3, parentSpanID)
        writer.writeString(4, path)
        writer.writeInt64(5, startMicros)
        writer.writeInt64(6, durationMicros)
        writer.writeInt32(7, code)
        writer.writeString(8, service)
        writer.writeUnknown(unknownFields)
    }
}

/// `SpanList` in reco_internal.proto.
public struct SpanList: ProtoMessage, Hashable {
    public var spans: [Span] = []
    public var unknownFields = UnknownFields()

    public init() {}
    public init(spans: [Span]) { self.spans = spans }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited):
            var span = Span()
            try reader.readMessage(into: &span)
            spans.append(span)
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        var size = unknownFields.bytes.count
        for span in spans { size += WireSize.message(1, span) }
        return size
    }

    public func encode(to writer: inout ProtoWriter) {
        for span in spans { writer.writeMessage(1, span) }
        writer.writeUnknown(unknownFields)
    }
}
