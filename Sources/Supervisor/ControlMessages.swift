public import Wire

/// `recod.ControlRequest` (Protos/recod.proto).
public struct ControlRequest: ProtoMessage {
    public var name = ""
    public var unknownFields = UnknownFields()

    public init() {}
    public init(name: String) { self.name = name }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        if tag.number == 1, tag.wireType == .lengthDelimited { name = try reader.readString() } else { try reader.skip(tag, into: &unknownFields) }
    }

    public func encodedSize() -> Int { WireSize.string(1, name) + unknownFields.bytes.count }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, name)
        writer.writeUnknown(unknownFields)
    }
}

/// `recod.ProgramInfo`.
public struct ProgramInfo: ProtoMessage {
    public var name = ""
    public var state = ""
    public var pid: Int32 = 0
    public var uptimeSeconds: Int64 = 0
    public var restarts: Int64 = 0
    public var lastExit = ""
    public var unknownFields = UnknownFields()

    public init() {}

    public init(_ status: ProgramStatus) {
        name = status.name
        state = status.state.rawValue
        pid = status.pid
        uptimeSeconds = status.uptimeSeconds
        restarts = status.restarts
        lastExit = status.lastExit
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited): name = try reader.readString()
        case (2, .lengthDelimited): state = try reader.readString()
        case (3, .varint): pid = try reader.readInt32()
        case (4, .varint): uptimeSeconds = try reader.readInt64()
        case (5, .varint): restarts = try reader.readInt64()
        case (6, .lengthDelimited): lastExit = try reader.readString()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        WireSize.string(1, name) + WireSize.string(2, state) + WireSize.int32(3, pid) + WireSize.int64(4, uptimeSeconds)
            + WireSize.int64(5, restarts) + WireSize.string(6, lastExit) + unknownFields.bytes.count
    }

    public func encode(to writer: inout ProtoWriter) {
        writer.writeString(1, name)
        writer.writeString(2, state)
        writer.writeInt32(3, pid)
        writer.writeInt64(4, uptimeSeconds)
        writer.writeInt64(5, restarts)
        writer.writeString(6, lastExit)
        writer.writeUnknown(unknownFields)
    }
}

/// `recod.ControlReply`.
public struct ControlReply: ProtoMessage {
    public var programs: [ProgramInfo] = []
    public var message = ""
    public var unknownFields = UnknownFields()

    public init() {}
    public init(programs: [ProgramInfo], message: String = "") {
        self.programs = programs
        self.message = message
    }

    public mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited):
            var program = ProgramInfo()
            try reader.readMessage(into: &program)
            programs.append(program)
        case (2, .lengthDelimited): message = try reader.readString()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    public func encodedSize() -> Int {
        programs.reduce(WireSize.string(2, message) + unknownFields.bytes.count) { $0 + WireSize.message(1, $1) }
    }

    public func encode(to writer: inout ProtoWriter) {
        for program in programs { writer.writeMessage(1, program) }
        writer.writeString(2, message)
        writer.writeUnknown(unknownFields)
    }
}
