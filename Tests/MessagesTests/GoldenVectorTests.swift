import Foundation
import Messages
import Testing
import Wire

/// Bytes written by Python's protobuf (tools/make_golden.py), decoded and
/// re-encoded by our codec.
@Suite("Golden vectors from Python protobuf")
struct GoldenVectorTests {
    struct File: Decodable {
        let generator: String
        let cases: [Case]
    }

    struct Case: Decodable {
        let name: String
        let message: String
        let hex: String
        let fields: Fields
    }

    struct Fields: Decodable {
        var user_id: String?
        var channel_id: Int32?
        var article_num: Int32?
        var time_stamp: Int64?
        var article_id: IDs?
        var click, collect, share, read: String?
        var exposure: String?
        var recommends: [Recommend]?
        var params: ParamFields?
    }

    /// `article_id` is a scalar in Article/param1 and a list in Similar.
    enum IDs: Decodable {
        case one(Int64)
        case many([Int64])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([Int64].self) { self = .many(list) } else { self = .one(try container.decode(Int64.self)) }
        }

        var scalar: Int64 { if case .one(let v) = self { v } else { 0 } }
        var list: [Int64] { if case .many(let v) = self { v } else { [] } }
    }

    struct ParamFields: Decodable {
        let click, collect, share, read: String
        var message: Param2 { Param2(click: click, collect: collect, share: share, read: read) }
    }

    struct Recommend: Decodable {
        let article_id: Int64
        let params: ParamFields?
    }

    static let cases: [Case] = {
        let url = Bundle.module.url(forResource: "golden", withExtension: "json", subdirectory: "Golden")!
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }()

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test("every contract message type has golden vectors")
    func coversEveryMessage() {
        #expect(Set(Self.cases.map(\.message)) == ["User", "Article", "param2", "param1", "Track", "Similar"])
    }

    @Test("decoding Python's bytes gives its fields and re-encoding gives its bytes", arguments: cases.map(\.name))
    func decodeAndReencode(name: String) throws {
        let golden = Self.cases.first { $0.name == name }!
        let bytes = Self.bytes(golden.hex)
        let f = golden.fields
        switch golden.message {
        case "User":
            let expected = User(userID: f.user_id!, channelID: f.channel_id!, articleNum: f.article_num!, timeStamp: f.time_stamp!)
            try check(expected, bytes)
        case "Article":
            try check(Article(articleID: f.article_id!.scalar, articleNum: f.article_num!), bytes)
        case "param2":
            try check(Param2(click: f.click!, collect: f.collect!, share: f.share!, read: f.read!), bytes)
        case "param1":
            try check(Param1(articleID: f.article_id!.scalar, params: f.params?.message), bytes)
        case "Track":
            let items = f.recommends!.map { Param1(articleID: $0.article_id, params: $0.params?.message) }
            try check(Track(exposure: f.exposure!, recommends: items, timeStamp: f.time_stamp!), bytes)
        case "Similar":
            try check(Similar(articleIDs: f.article_id!.list), bytes)
        default:
            Issue.record("unknown message \(golden.message)")
        }
    }

    private func check<M: ProtoMessage>(_ expected: M, _ bytes: [UInt8]) throws {
        #expect(try M(serializedBytes: bytes) == expected)
        #expect(expected.serializedBytes() == bytes)
        #expect(expected.encodedSize() == bytes.count)
    }
}
