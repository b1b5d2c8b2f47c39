import Testing
import TestSupport
import Wire

/// A self-recursive message (`message Node { repeated Node children = 1; int64 value = 2; }`).
struct Node: ProtoMessage {
    var children: [Node] = []
    var value: Int64 = 0
    var unknownFields = UnknownFields()

    mutating func decodeField(_ tag: FieldTag, from reader: inout ProtoReader) throws(WireError) {
        switch (tag.number, tag.wireType) {
        case (1, .lengthDelimited):
            var child = Node()
            try reader.readMessage(into: &child)
            children.append(child)
        case (2, .varint): value = try reader.readInt64()
        default: try reader.skip(tag, into: &unknownFields)
        }
    }

    func encodedSize() -> Int {
        children.reduce(WireSize.int64(2, value) + unknownFields.bytes.count) { $0 + WireSize.message(1, $1) }
    }

    func encode(to writer: inout ProtoWriter) {
        for child in children { writer.writeMessage(1, child) }
        writer.writeInt64(2, value)
        writer.writeUnknown(unknownFields)
    }

    static func chain(depth: Int) -> Node {
        var node = Node(value: Int64(depth))
        for level in 0..<depth { node = Node(children: [node], value: Int64(level)) }
        return node
    }
}

@Suite("nesting", .ownThread)
struct NestingTests {
    @Test("nesting up to the bound decodes; one level more is an error, not a stack overflow")
    func depthBound() throws {
        let ok = Node.chain(depth: ProtoReader.defaultMaxDepth)
        #expect(try Node(serializedBytes: ok.serializedBytes()) == ok)
        let tooDeep = Node.chain(depth: ProtoReader.defaultMaxDepth + 1).serializedBytes()
        #expect(throws: WireError.self) { try Node(serializedBytes: tooDeep) }
        let huge = Node.chain(depth: 5_000).serializedBytes()
        do {
            _ = try Node(serializedBytes: huge)
            Issue.record("decoded 5,000 levels")
        } catch {
            #expect(error.code == .nestingTooDeep)
        }
    }

    @Test("a nested length past its parent's end is an error")
    func childLongerThanParent() {
        // Node{children: [len 2: {children: [len 5 ...]}]}
        let bytes: [UInt8] = [0x0A, 0x02, 0x0A, 0x05, 0x10, 0x01, 0x10, 0x01, 0x10]
        #expect(throws: WireError.self) { try Node(serializedBytes: bytes) }
    }
}
