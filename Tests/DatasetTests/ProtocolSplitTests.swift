import Dataset
import Foundation
import Testing
import TestSupport

@Suite("MovieLens-100K and the protocol split", .ownThread)
struct ProtocolSplitTests {
    static let catalog = try! AtomicFiles.load(directory: rawDataDirectory)

    @Test("the atomic files load completely")
    func loads() {
        #expect(Self.catalog.interactions.count == 100_000)
        #expect(Self.catalog.users.count == 943)
        #expect(Self.catalog.articles.count == 1682)
        #expect(Self.catalog.channels.count == 19)
        #expect(Self.catalog.articles[267]?.releaseYear == "unkonwn")
    }

    @Test("the split file is byte-identical to the protocol's (sha256)")
    func splitFileMatches() {
        let split = ProtocolSplit(Self.catalog.interactions)
        #expect(SHA256.hex(Array(split.tsv().utf8)) == "b2ebbf86ebc984d3dbcd9c92719a59468426b24739c48075d0e7b49e66659b79")
    }

    @Test("the split has the protocol's sizes and positive counts")
    func splitSizes() {
        let split = ProtocolSplit(Self.catalog.interactions)
        let train = split.rows(.train), test = split.rows(.test), online = split.rows(.online)
        #expect((train.count, test.count, online.count) == (72_075, 18_495, 9_430))
        #expect(train.reduce(0) { $0 + $1.label } == 41_507)
        #expect(test.reduce(0) { $0 + $1.label } == 8_746)
        let inner = split.rows.filter(\.innerTrain)
        #expect(inner.count == 62_685)
    }

    @Test("SHA-256 matches the FIPS test vectors")
    func sha256Vectors() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array(String(repeating: "a", count: 1_000_000).utf8)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("a bad row is reported with its file and line")
    func badRowsReported() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "user_id:token\tage:token\tgender:token\toccupation:token\tzip_code:token\n1\t24\tM\tx\t1\n".write(to: dir.appendingPathComponent("t.user"), atomically: true, encoding: .utf8)
        try "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n1\tA\t1995\tDrama\n".write(to: dir.appendingPathComponent("t.item"), atomically: true, encoding: .utf8)
        try "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t1\t4\t100\n1\tx\t4\t100\n1\t1\n".write(to: dir.appendingPathComponent("t.inter"), atomically: true, encoding: .utf8)
        do {
            _ = try AtomicFiles.load(directory: dir.path, prefix: "t")
            Issue.record("bad rows were accepted")
        } catch let failure as ImportFailure {
            #expect(failure.errors.map(\.line) == [3, 4])
            #expect(failure.errors.allSatisfy { $0.file.hasSuffix("t.inter") })
        }
    }
}
