public import Wire

/// `MetricsQuery` in reco_internal.proto (no fields: a service's whole snapshot).
public struct MetricsQuery: ProtoMessage, Hashable {
    public var unknownFields = UnknownFields()

    public init() {}

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        try reader.skip(tag, into: &unknownFields)
    }

    public func encodedSize() -> Int { unknownFields.bytes.count }
    public func encode(to writer: inout ProtoWriter) { writer.writeUnknown(unknownFields) }
}

/// `MetricSample` in reco_internal.proto: one series of a service's metrics.
public struct MetricSample: ProtoMessage, Hashable {
    public enum Kind: Int32, Sendable { case counter = 0, gauge = 1, histogram = 2 }

    public var name = ""
    public var labelNames: [String] = []
    public var labelValues: [String] = []
    public var kind: Int32 = 0
    /// Counter total or gauge value.
    public var value: Double = 0
    /// Histogram: bucket upper bounds, ascending (+Inf implied after the last).
    public var bucketBounds: [Double] = []
    /// Histogram: observations per bucket (not cumulative), bounds.count + 1 of them.
    public var bucketCounts: [Int64] = []
    public var sum: Double = 0
    public var count: Int64 = 0
    public var unknownFields = UnknownFields()

    public init() {}

    public init(name: String, labels: [(String, String)], kind: Kind, value: Double = 0,
                bucketBounds: [Double] = [], bucketCounts: [Int64] = [], sum: Double = 0, count: Int64 = 0) {
        self.name = name
        labelNames = labels.map(\.0)
        labelValues = labels.map(\.1)
        self.kind = kind.rawValue
        self.value = value
        self.bucketBounds = bucketBounds
        self.bucketCounts = bucketCounts
        self.sum = sum
        self.count = count
    }

    public var labels: [String: String] { Dictionary(zip(labelNames, labelValues), uniquingKeysWith: { _, last in last }) }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): name = try reader.readString()
        case (2, .lengthDelimited): labelNames.append(try reader.readString())
        case (3, .lengthDelimited): labelValues.append(try reader.readString())
        case (4, .varint): kind = try reader.readInt32()
        case (5, .fixed64): value = try reader.readDouble()
        case (6, .fixed64), (6, .lengthDelimited): try reader.readRepeatedDouble(tag, into: &bucketBounds)
        case (7, .varint), (7, .lengthDelimited): try reader.readRepeatedInt64(tag, into: &bucketCounts)
        case (8, .fixed64): sum = try reader.readDouble()
        case (9, .varint): count = try reader.readInt64()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.string(1, name) + WireSize.repeatedString(2, labelNames) + WireSize.repeatedString(3, labelValues) + WireSize.int32(4, kind)
            + WireSize.double(5, value) + WireSize.packedDouble(6, bucketBounds) + WireSize.packedInt64(7, bucketCounts)
            + WireSize.double(8, sum) + WireSize.int64(9, count) + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, name)
        writer.writeRepeatedString(2, labelNames)
        writer.writeRepeatedString(3, labelValues)
        writer.writeInt32(4, kind)
        writer.writeDouble(5, value)
        writer.writePackedDouble(6, bucketBounds)
        writer.writePackedInt64(7, bucketCounts)
        writer.writeDouble(8, sum)
        writer.writeInt64(9, count)
        writer.writeUnknown(unknownFields)
    }
}

/// `MetricsSnapshot` in reco_internal.proto: every series of one service, now.
public struct MetricsSnapshot: ProtoMessage, Hashable {
    public var service = ""
    public var samples: [MetricSample] = []
    /// When it was taken, microseconds since the epoch.
    public var takenMicros: Int64 = 0
    public var unknownFields = UnknownFields()

    public init() {}

    public init(service: String, samples: [MetricSample], takenMicros: Int64) {
        self.service = service
        self.samples = samples
        self.takenMicros = takenMicros
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): service = try reader.readString()
        case (2, .lengthDelimited):
            var sample = MetricSample()
            try reader.readMessage(into: &sample)
            samples.append(sample)
        case (3, .varint): takenMicros = try reader.readInt64()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        var size = WireSize.string(1, service) + WireSize.int64(3, takenMicros) + unknownFields.bytes.count
        for sample in samples { size += WireSize.message(2, sample) }
        return size
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, service)
        for sample in samples { writer.writeMessage(2, sample) }
        writer.writeInt64(3, takenMicros)
        writer.writeUnknown(unknownFields)
    }
}
