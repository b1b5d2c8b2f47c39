import Testing
import Wire

@Suite("varints and sizes")
struct VarintTests {
    static let values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, 1 << 21, 1 << 28, 1 << 35, 1 << 42, 1 << 49, 1 << 56, 1 << 63, .max]

    @Test("a varint round-trips and its size is exact", arguments: values)
    func roundTrip(value: UInt64) throws {
        let bytes = ProtoWriter.bytes(capacity: WireSize.varint(value)) { $0.writeVarint(value) }
        var reader = ProtoReader(bytes)
        #expect(try reader.readVarint() == value)
    }

    @Test("the eleventh varint byte is an error; bits past 64 in the tenth are dropped")
    func overlong() throws {
        var tenBytes = ProtoReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(try tenBytes.readVarint() == .max)
        var elevenBytes = ProtoReader([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00])
        #expect(throws: WireError(.malformedVarint, at: 0, "longer than 10 bytes")) { try elevenBytes.readVarint() }
    }

    @Test("a padded varint (non-minimal but at most 10 bytes) is accepted")
    func padded() throws {
        var reader = ProtoReader([0x81, 0x80, 0x80, 0x00])
        #expect(try reader.readVarint() == 1)
    }

    @Test("fixed-width values are little-endian")
    func fixed() throws {
        var reader = ProtoReader([0x01, 0x02, 0x03, 0x04, 1, 0, 0, 0, 0, 0, 0, 0x80])
        #expect(try reader.readFixed32() == 0x0403_0201)
        #expect(try reader.readFixed64() == 0x8000_0000_0000_0001)
    }

    @Test("field keys past 2^29-1 are rejected")
    func fieldNumberBounds() throws {
        let key = UInt64(FieldTag.maxFieldNumber) << 3
        var ok = ProtoReader(ProtoWriter.bytes(capacity: WireSize.varint(key)) { $0.writeVarint(key) })
        #expect(try ok.nextTag() == FieldTag(number: FieldTag.maxFieldNumber, wireType: .varint))
        let badKey = UInt64(FieldTag.maxFieldNumber + 1) << 3
        var bad = ProtoReader(ProtoWriter.bytes(capacity: WireSize.varint(badKey)) { $0.writeVarint(badKey) })
        #expect(throws: WireError.self) { try bad.nextTag() }
    }

    @Test("packed int64 of every varint length round-trips, and a value cut at the end of the list is an error")
    func packedInt64() throws {
        let values = Self.values.map { Int64(bitPattern: $0) } + [-1, 129, 1_682, 16_383, 5, 16_384, Int64.min]
        let bytes = ProtoWriter.bytes(capacity: WireSize.packedInt64(1, values)) { $0.writePackedInt64(1, values) }
        var reader = ProtoReader(bytes)
        var decoded: [Int64] = []
        let tag = try #require(try reader.nextTag())
        try reader.readRepeatedInt64(tag, into: &decoded)
        #expect(decoded == values)
        // The list's length says 2 bytes, the second of which still has its continuation bit.
        var cut = ProtoReader([0x0A, 0x02, 0x05, 0x81, 0x01])
        var partial: [Int64] = []
        let cutTag = try #require(try cut.nextTag())
        #expect(throws: WireError.self) { try cut.readRepeatedInt64(cutTag, into: &partial) }
    }
}
