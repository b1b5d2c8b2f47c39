import Dataset
import Features
import Foundation
import Logging
import Messages
import RecallServer
import RPC
import RouterService
import ServiceRuntime
import Stores
import Synchronization
import TestSupport
import Testing

@Suite("the real-time loop")
struct RealTimeTests {
    @Test("the event log returns every acknowledged record in order, across segments and reopening")
    func eventLogKeepsOrder() async throws {
        let directory = Fixture.temporaryDirectory("events")
        let log = try EventLog(directory: directory, segmentBytes: 1000)
        let reader = EventLogReader(directory: directory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    for i in 0..<50 { try await log.append([Array("w\(writer)-\(i)".utf8)]) }
                }
            }
            try await group.waitForAll()
        }
        log.close()
        #expect(EventLog.segmentFiles(in: directory).count > 3, "several segments")
        let records = reader.readNew().map { String(decoding: $0, as: UTF8.self) }
        #expect(records.count == 400)
        for writer in 0..<8 {
            #expect(records.filter { $0.hasPrefix("w\(writer)-") } == (0..<50).map { "w\(writer)-\($0)" }, "writer \(writer)'s order")
        }
        #expect(reader.readNew().isEmpty)
        let reopened = try EventLog(directory: directory, segmentBytes: 1000)
        try await reopened.append([Array("after".utf8)])
        #expect(reader.readNew().map { String(decoding: $0, as: UTF8.self) } == ["after"])
        reopened.close()
    }

    @Test("a reader polling while the log moves to new segments sees every record once, in order")
    func pollingReaderFollowsRotation() async throws {
        let directory = Fixture.temporaryDirectory("rotating")
        let reader = EventLogReader(directory: directory)
        #expect(reader.readNew().isEmpty, "no log yet")
        let log = try EventLog(directory: directory, segmentBytes: 100)
        var seen: [String] = []
        for i in 0..<60 {
            try await log.append([Array("record-\(i)".utf8)])
            if i % 3 == 0 { seen += reader.readNew().map { String(decoding: $0, as: UTF8.self) } }
        }
        log.close()
        seen += reader.readNew().map { String(decoding: $0, as: UTF8.self) }
        #expect(EventLog.segmentFiles(in: directory).count > 5, "several segments")
        #expect(seen == (0..<60).map { "record-\($0)" })
    }

    @Test("an append's hook has run when it returns; a rotation starts after what was appended; only whole segments before a position are removed")
    func rotationOrdersAndRemovesSegments() async throws {
        let directory = Fixture.temporaryDirectory("rotate")
        let log = try EventLog(directory: directory)
        final class Durable: Sendable { let texts = Mutex<[String]>([]) }
        let durable = Durable()
        @Sendable func append(_ text: String) async throws {
            try await log.append([Array(text.utf8)]) { durable.texts.withLock { $0.append(text) } }
            #expect(durable.texts.withLock { $0.contains(text) }, "the hook ran before the append returned")
        }
        #expect(try await log.rotate() == 0, "an empty segment is kept")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 { group.addTask { try await append("a\(i)") } }
            try await group.waitForAll()
        }
        let first = try await log.rotate()
        #expect(first > 0 && EventLogReader(directory: directory).readNew().count == 20)
        try await append("b")
        try await append("c")
        let second = try await log.rotate()
        #expect(EventLog.segmentFiles(in: directory).count == 3)
        // A position inside the second segment removes only the first (the
        // log serves requests in order: the rotation after it finds it done).
        log.removeSegments(before: second - 1)
        _ = try await log.rotate()
        #expect(EventLog.oldestPosition(in: directory) == first)
        #expect(EventLogReader(directory: directory, position: first).readNew().map { String(decoding: $0, as: UTF8.self) } == ["b", "c"])
        // Up to the newest: everything before it goes, the newest never does.
        log.removeSegments(before: .max)
        try await append("d")
        #expect(EventLog.segmentFiles(in: directory).count == 1 && EventLog.oldestPosition(in: directory) == second)
        #expect(EventLogReader(directory: directory, position: second).readNew().map { String(decoding: $0, as: UTF8.self) } == ["d"])
        // One writer at a time: a second log on the directory is refused until the first closes.
        #expect(throws: StoreError.self) { try EventLog(directory: directory) }
        log.close()
        await #expect(throws: StoreError.self) { try await log.rotate() }
        let next = try EventLog(directory: directory)
        next.close()
    }

    @Test("a torn tail from a crash is cut off at open; a corrupt record stops the reader")
    func tornTailIsCut() async throws {
        let directory = Fixture.temporaryDirectory("torn")
        let log = try EventLog(directory: directory)
        try await log.append([Array("one".utf8), Array("two".utf8)])
        log.close()
        let path = "\(directory)/\(EventLog.segmentFiles(in: directory)[0])"
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data([9, 0, 0, 0, 1, 2]))   // half a record
        try handle.close()
        let again = try EventLog(directory: directory)
        try await again.append([Array("three".utf8)])
        again.close()
        #expect(EventLogReader(directory: directory).readNew().map { String(decoding: $0, as: UTF8.self) } == ["one", "two", "three"])
        // Flip a payload byte of "two": the reader stops before it.
        var bytes = [UInt8](FileManager.default.contents(atPath: path)!)
        bytes[8 + 3 + 8] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(EventLogReader(directory: directory).readNew().map { String(decoding: $0, as: UTF8.self) } == ["one"])
    }

    @Test("stream features: decayed genre interest, a sliding hot window, dislikes, smoothed CTR")
    func streamFeatures() {
        let catalog = Fixture.catalog()
        var features = StreamFeatures(catalog: catalog)
        let t0: Int64 = 1_700_000_000_000
        // Item 3 is Action (genre index 0), item 4 Comedy (1).
        features.apply(BehaviorEvent(user: "u", item: 3, kind: .click, time: t0))
        features.apply(BehaviorEvent(user: "u", item: 6, kind: .collect, time: t0 + 1))
        features.apply(BehaviorEvent(user: "u", item: 4, kind: .click, time: t0 + 2))
        #expect(features.profile(user: "u").first?.genre == 0)
        // Two hours later Comedy clicks outweigh the decayed Action interest.
        for i in 0..<3 { features.apply(BehaviorEvent(user: "u", item: 7, kind: .click, time: t0 + 7_200_000 + Int64(i))) }
        #expect(features.profile(user: "u").first?.genre == 1)
        #expect(features.hotList(channel: 0, limit: 5) == [7], "older clicks left the one-hour window")
        #expect(features.hotList(channel: 2, limit: 5) == [7])
        #expect(features.clicksInWindow(user: "u", now: t0 + 7_200_010) == 3)
        features.apply(BehaviorEvent(user: "u", item: 10, kind: .dislike, time: t0 + 7_200_100))
        #expect(features.disliked(user: "u") == [10])
        for _ in 0..<19 { features.apply(BehaviorEvent(user: "v", item: 7, kind: .exposure, time: t0 + 7_200_200)) }
        #expect(abs(features.ctr(item: 7) - (3 + 1) / (19 + 20.0)) < 1e-12)
    }

    @Test("the hot ranking reads the same top items as sorting every count, through clicks entering and leaving the window")
    func hotRankingMatchesASort() {
        var ranking = HotRanking()
        var counts: [Int: Int] = [:]
        var random = SeededGenerator(seed: 7)
        for step in 0..<5_000 {
            let item = Int.random(in: 0..<60, using: &random)
            if counts[item] == nil || Bool.random(using: &random) {
                ranking.increment(item)
                counts[item, default: 0] += 1
            } else {
                ranking.decrement(item)
                counts[item]! -= 1
                if counts[item] == 0 { counts[item] = nil }
            }
            if step % 97 == 0 {
                let expected = counts.sorted { ($0.value, -$0.key) > ($1.value, -$1.key) }.map(\.key)
                for limit in [0, 1, 5, 200] { #expect(ranking.top(limit) == Array(expected.prefix(limit)), "step \(step), limit \(limit)") }
            }
        }
        for item in Array(counts.keys) { for _ in 0..<counts[item]! { ranking.decrement(item) } }
        #expect(ranking.isEmpty && ranking.top(10).isEmpty)
    }

    @Test("recall follows live behaviour: online genres, the live hot list first, nothing disliked")
    func recallFollowsLiveBehaviour() async throws {
        let artifacts = try await fixtureWatcher()
        let live = LiveFeatures(catalog: artifacts.current.catalog)
        let handler = RecallHandler(artifacts: artifacts, experiments: experiments, live: live, logger: Logger(label: "test"))
        let query = FeedQuery(userID: "newcomer", channelID: 0, count: 50, sources: [102])
        // Only the online channel's items: a newcomer also gets hot and new (cold start).
        func onlineItems() throws -> [Int64] {
            let list = try handler.recall(query)
            return zip(list.articleIDs, list.sources).filter { $0.1 == 102 }.map(\.0)
        }
        #expect(try onlineItems().isEmpty, "no behaviour, no online profile")
        let t0: Int64 = 1_700_000_000_000
        // Comedy items are those with id % 3 == 1.
        live.apply([4, 7, 13].map { BehaviorEvent(user: "newcomer", item: $0, kind: .click, time: t0) })
        let online = try onlineItems()
        #expect(!online.isEmpty)
        #expect(online.allSatisfy { Fixture.catalog().articles[Int($0)]!.genres.contains("Comedy") })
        #expect(!online.contains(4) && !online.contains(7), "not what they just clicked")
        // Many users click item 59: it leads the hot channel.
        live.apply((0..<30).map { BehaviorEvent(user: "crowd-\($0)", item: 59, kind: .click, time: t0 + 1) })
        #expect(try handler.recall(FeedQuery(userID: "x", channelID: 0, count: 5, sources: [104])).articleIDs.first == 59)
        live.apply([BehaviorEvent(user: "x", item: 59, kind: .dislike, time: t0 + 2)])
        #expect(!(try handler.recall(FeedQuery(userID: "x", channelID: 0, count: 100, sources: [104, 103])).articleIDs.contains(59)))
    }

    @Test("reports are validated, a tracking param fills the action, an exposure names each article")
    func reportsAreNormalized() async throws {
        let directory = Fixture.temporaryDirectory("report")
        let log = try EventLog(directory: directory)
        let handler = BehaviorHandler(log: log, cache: try RPCClient(endpoint: .init(port: 1)), logger: Logger(label: "test"), maxChannelID: 3)
        let context = ServerContext(path: "/Behavior/report")
        let track = TrackingParams.track(user: "7", strategy: "Algo-1", items: [3, 5], timeStamp: 0, exposure: true)
        #expect(try await handler.report(tracked(track.exposure), context: context).accepted == 2)
        #expect(try await handler.report(tracked(track.recommends[1].params!.click), context: context).accepted == 1)
        for (bad, field) in [(Action(userID: "7", articleID: 3, action: "klick"), "action"), (Action(userID: "", articleID: 3, action: "click"), "user_id"),
                             (Action(userID: "7", articleID: -1, action: "click"), "article_id"), (Action(userID: "7", articleID: 3, action: "click", channelID: 9), "channel_id"),
                             (tracked("{not json"), "param")] {
            do {
                _ = try await handler.report(bad, context: context)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.code == .invalidArgument && error.message.hasPrefix(field), "\(error)")
            }
        }
        log.close()
        let logged = EventLogReader(directory: directory).readNew().map { try! Action(serializedBytes: $0) }
        #expect(logged.map(\.action) == ["exposure", "exposure", "click"])
        #expect(logged.map(\.articleID) == [3, 5, 5])
        #expect(logged.allSatisfy { $0.userID == "7" && $0.algorithmCombine == "Algo-1" && $0.timeStamp > 0 && $0.param.isEmpty })
    }
}

/// An action given only as the tracking string a Track carried.
func tracked(_ param: String) -> Action {
    var action = Action()
    action.param = param
    return action
}
