import Messages
import Testing
import Wire

@Suite("proto3 codec semantics")
struct CodecSemanticsTests {
    @Test("default values are not emitted")
    func defaultsOmitted() {
        #expect(User().serializedBytes().isEmpty)
        #expect(Track().serializedBytes().isEmpty)
        #expect(Similar().serializedBytes().isEmpty)
        #expect(Param1(articleID: 0, params: nil).serializedBytes().isEmpty)
    }

    @Test("a present but empty nested message is emitted")
    func emptyNestedEmitted() throws {
        let item = Param1(articleID: 0, params: Param2())
        #expect(item.serializedBytes() == [0x12, 0x00])
        #expect(try Param1(serializedBytes: [0x12, 0x00]).params == Param2())
    }

    @Test("packed int64s of every varint length decode, appended to unpacked ones before and after")
    func packedInt64sOfEveryLength() throws {
        let packed: [Int64] = [0, 1, 127, 128, 16_383, 16_384, 1 << 35, Int64.max, -1, Int64.min, 42]
        // Field 1 unpacked (7), then packed, then unpacked (9): a parser keeps all, in order.
        var bytes: [UInt8] = [0x08, 7]
        bytes += Similar(articleIDs: packed).serializedBytes()
        bytes += [0x08, 9]
        #expect(try Similar(serializedBytes: bytes).articleIDs == [7] + packed + [9])
        #expect(try Similar(serializedBytes: Similar(articleIDs: packed).serializedBytes()).articleIDs == packed)
    }

    @Test("negative int32 is a ten-byte varint")
    func negativeInt32() throws {
        let bytes = User(userID: "", channelID: -1, articleNum: 0, timeStamp: 0).serializedBytes()
        #expect(bytes.count == 11)
        #expect(try User(serializedBytes: bytes).channelID == -1)
    }

    @Test("unknown fields of every wire type are kept and re-emitted")
    func unknownFieldsKept() throws {
        var bytes = User(userID: "7", channelID: 3, articleNum: 0, timeStamp: 0).serializedBytes()
        let unknown: [UInt8] = [
            0x28, 0x96, 0x01,  // field 5 varint
            0x31, 1, 2, 3, 4, 5, 6, 7, 8,  // field 6 fixed64
            0x3A, 0x02, 0xFF, 0xFE,  // field 7 bytes (not UTF-8: unknown, so not checked)
            0x45, 1, 2, 3, 4,  // field 8 fixed32
            0x0D, 9, 9, 9, 9,  // field 1 with the wrong wire type: unknown, like stock parsers
        ]
        bytes += unknown
        let user = try User(serializedBytes: bytes)
        #expect(user.userID == "7" && user.channelID == 3)
        #expect(user.unknownFields.bytes == unknown)
        #expect(user.serializedBytes() == bytes)
    }

    @Test("invalid UTF-8 in a string field is an invalidUTF8 error")
    func invalidUTF8() {
        #expect(throws: WireError.self) { try User(serializedBytes: [0x0A, 0x02, 0xC3, 0x28]) }
        do {
            _ = try User(serializedBytes: [0x0A, 0x01, 0xFF])
        } catch {
            #expect(error.code == .invalidUTF8)
        }
    }

    @Test("malformed input is a coded error", arguments: [
        ([0x0A, 0x05, 0x61], WireError.Code.lengthOutOfRange),
        ([0x10], .truncated),
        ([0x10, 0x80], .truncated),
        ([0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], .malformedVarint),
        ([0x00, 0x01], .invalidFieldNumber),
        ([0x0B, 0x0C], .groupNotSupported),
        ([0x0C], .groupNotSupported),
        ([0x0E, 0x00], .invalidWireType),
        ([0x0F, 0x00], .invalidWireType),
        ([0x15, 0x01, 0x02], .truncated),
        ([0x11, 0x01], .truncated),
        ([0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], .lengthOutOfRange),
    ] as [([UInt8], WireError.Code)])
    func malformed(bytes: [UInt8], code: WireError.Code) {
        do {
            _ = try User(serializedBytes: bytes)
            Issue.record("decoded malformed bytes \(bytes)")
        } catch {
            #expect(error.code == code)
        }
    }

    @Test("a Track with 100 recommends round-trips and its size is exact")
    func largeTrack() throws {
        let items = (1...100).map { id in
            Param1(articleID: Int64(id), params: Param2(click: "{\"action\":\"click\",\"articleId\":\"\(id)\"}", collect: "c", share: "s", read: "r"))
        }
        let track = Track(exposure: "{\"action\":\"exposure\"}", recommends: items, timeStamp: 1_700_000_000_000)
        let bytes = track.serializedBytes()
        #expect(bytes.count == track.encodedSize())
        #expect(try Track(serializedBytes: bytes) == track)
    }
}
