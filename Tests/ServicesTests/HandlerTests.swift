import Artifacts
import CacheServer
import Dataset
import Experiments
import FeedService
import Features
import Foundation
import Logging
import Messages
import Models
import Pipeline
import RPC
import RecallServer
import SortServer
import Stores
import Synchronization
import TestSupport
import Testing

/// Published once, through the real pipeline, for every test here.
let fixtureRoot: String = {
    let root = Fixture.temporaryDirectory("artifacts")
    try! Fixture.publish(root: root)
    return root
}()

func fixtureWatcher() async throws -> ArtifactWatcher {
    try await offThePool { try ArtifactWatcher(store: ArtifactStore(root: fixtureRoot), logger: Logger(label: "test")) }
}

let experiments = try! ExperimentTable.load(path: Fixture.experimentsPath)

@Suite("service handlers in-process")
struct HandlerTests {
    @Test("recall merges the strategy's channels, each item once, inside the channel")
    func recallMergesChannels() async throws {
        let handler = RecallHandler(artifacts: try await fixtureWatcher(), experiments: experiments, logger: Logger(label: "test"))
        let catalog = Fixture.catalog()
        for channel in Int32(0)...3 {
            let list = try handler.recall(FeedQuery(userID: "4", channelID: channel, count: 50, sources: [100, 101, 102, 103, 104]))
            #expect(!list.articleIDs.isEmpty)
            #expect(Set(list.articleIDs).count == list.articleIDs.count)
            #expect(list.sources.count == list.articleIDs.count)
            #expect(list.articleIDs.count <= 50)
            if channel > 0 {
                #expect(list.articleIDs.allSatisfy { catalog.channelIDs(of: Int($0)).contains(Int(channel)) }, "channel \(channel)")
            }
        }
        // The ALS list comes first and excludes what the user already rated.
        let rated = Set(catalog.interactions.filter { $0.user == 4 }.map { Int64($0.item) })
        let als = try handler.recall(FeedQuery(userID: "4", channelID: 0, count: 100, sources: [100]))
        #expect(!als.articleIDs.isEmpty && als.articleIDs.allSatisfy { !rated.contains($0) })
        #expect(Set(als.sources) == [100])
    }

    @Test("a user with no personal lists gets the channel's hot and new items")
    func coldStartGetsHotAndNew() async throws {
        let handler = RecallHandler(artifacts: try await fixtureWatcher(), experiments: experiments, logger: Logger(label: "test"))
        let list = try handler.recall(FeedQuery(userID: "new-user", channelID: 0, count: 100, sources: [100, 101]))
        #expect(!list.articleIDs.isEmpty)
        #expect(Set(list.sources).isSubset(of: [103, 104]))
        #expect(throws: RPCError.self) { try handler.recall(FeedQuery(userID: "1", channelID: 0, count: 5, sources: [999])) }
    }

    @Test("similar items never include the article itself; an unknown article has none")
    func similarExcludesItself() async throws {
        let handler = RecallHandler(artifacts: try await fixtureWatcher(), experiments: experiments, logger: Logger(label: "test"))
        for id in Int64(1)...60 {
            let similar = handler.similar(Article(articleID: id, articleNum: 7))
            #expect(similar.articleIDs.count == 7)
            #expect(!similar.articleIDs.contains(id))
        }
        #expect(handler.similar(Article(articleID: 9999, articleNum: 5)).articleIDs.isEmpty)
    }

    @Test("SortService's served score equals the offline score within 1e-6")
    func servedScoresEqualOfflineScores() async throws {
        let artifacts = try await fixtureWatcher()
        let handler = RankHandler(artifacts: artifacts, experiments: experiments, logger: Logger(label: "test"))
        let catalog = Fixture.catalog()
        let after = (catalog.interactions.map(\.timestamp).max() ?? 0) + 1
        for (modelID, name) in [(Int64(200), "lr"), (201, "fm16")] {
            let model = artifacts.current.models[name]!
            for user in [1, 2, 17, 40] {
                let candidates = (1...60).map(Int64.init)
                let ranked = try handler.rank(FeedQuery(userID: String(user), channelID: 0, articleIDs: candidates, model: modelID))
                #expect(Set(ranked.articleIDs) == Set(candidates))
                #expect(ranked.scores == ranked.scores.sorted(by: >))
                // Offline: the training replay's features as of a moment after every event.
                let rows = PointInTimeReplay.rows(
                    history: catalog.interactions,
                    rows: candidates.map { Interaction(user: user, item: Int($0), ratingText: "0", rating: 0, timestamp: after) },
                    catalog: catalog, priors: model.priors)
                for row in rows {
                    let offline = Double(model.probability(model.row(
                        user: model.space.userColumns(catalog.users[user]), article: model.space.articleColumns(catalog.articles[row.event.item]), dense: row.dense)))
                    let served = ranked.scores[ranked.articleIDs.firstIndex(of: Int64(row.event.item))!]
                    #expect(abs(served - offline) <= 1e-6, "\(name) user \(user) item \(row.event.item): \(served) vs \(offline)")
                }
            }
        }
        #expect(throws: RPCError.self) { try handler.rank(FeedQuery(userID: "1", channelID: 0, articleIDs: [1], model: 777)) }
    }

    @Test("any int64 article id, Int64.min included, is ranked, not a crash; equal scores order by the smaller id")
    func extremeIDsRank() async throws {
        let handler = RankHandler(artifacts: try await fixtureWatcher(), experiments: experiments, logger: Logger(label: "test"))
        let candidates: [Int64] = [.max, .min, -1, 0, 5, 7, 5]
        for model in [Int64(200), 201] {
            let ranked = try handler.rank(FeedQuery(userID: "3", channelID: 0, articleIDs: candidates, model: model))
            #expect(ranked.articleIDs.sorted() == candidates.sorted())
            let pairs = Array(zip(ranked.articleIDs, ranked.scores))
            #expect(ranked.articleIDs == pairs.sorted(by: higherScoreFirst).map(\.0))
        }
        // Unknown ids score alike: the ids decide, smallest first.
        let unknown: [Int64] = [.max, 70, .min, 90]
        let ranked = try handler.rank(FeedQuery(userID: "3", channelID: 0, articleIDs: unknown, model: 200))
        #expect(ranked.articleIDs == [.min, 70, 90, .max])
    }

    @Test("extreme field values on every internal call get an answer or a status, never a crash")
    func extremeQueries() async throws {
        let artifacts = try await fixtureWatcher()
        let logger = Logger(label: "test")
        let dir = Fixture.temporaryDirectory("extreme")
        let routers = [RecallHandler(artifacts: artifacts, experiments: experiments, logger: logger).router,
                       RankHandler(artifacts: artifacts, experiments: experiments, logger: logger).router,
                       CacheHandler(cache: TieredFeedCache(waitList: try SQLiteWaitList(path: dir + "/w.sqlite")), logger: logger).router]
        let servers = routers.map { RPCServer(configuration: .init(port: 0), router: $0) }
        for server in servers { try server.start() }
        let clients = try servers.map { try RPCClient(endpoint: .init(port: $0.port)) }
        let ids: [Int64] = [.max, .min, -1, 0, 5, 5, 99_999]
        var queries: [FeedQuery] = []
        for count in [Int32.min, -1, 0, .max] {
            for channel in [Int32.min, -1, 0, .max] {
                queries.append(FeedQuery(userID: "3", channelID: channel, count: count, articleIDs: ids, sources: [.min, -1, 100, 104, 105, .max],
                                         model: 200, timeStamp: .max))
            }
        }
        for user in ["", "-5", String(repeating: "9", count: 40), "é"] {
            queries.append(FeedQuery(userID: user, channelID: 0, count: 10, articleIDs: ids, sources: [100, 101, 102, 103, 104], model: 201, timeStamp: .min))
        }
        queries.append(FeedQuery(userID: "3", channelID: 0, count: 10, articleIDs: ids, model: .max))
        queries.append(FeedQuery(userID: "3", channelID: 0, count: 10, articleIDs: ids, model: .min, strategy: "no such strategy"))
        let paths = [(0, "/reco.Recall/recall"), (1, "/reco.Sort/rank"), (2, "/reco.Cache/put"), (2, "/reco.Cache/take"), (2, "/reco.Cache/invalidate")]
        for (server, path) in paths {
            for query in queries {
                do {
                    let _: ItemList = try await clients[server].unary(path, query, timeout: safetyTimeout)
                } catch {
                    #expect(error.code != .unavailable && error.code != .internalError, "\(path): \(error)")
                }
            }
            let _: ItemList = try await clients[server].unary(path, FeedQuery(userID: "3", channelID: 0, count: 4, articleIDs: [1, 2], model: 200), timeout: safetyTimeout)
        }
        for client in clients { client.shutdown() }
        for server in servers { await server.shutdown(grace: .zero) }
    }

    @Test("the cache serves the wait list in order across refills and restarts, never twice")
    func cacheServesEachItemOnce() async throws {
        let path = Fixture.temporaryDirectory("cache") + "/c.sqlite"
        var list = try SQLiteWaitList(path: path)
        var cache = TieredFeedCache(waitList: list)
        try await cache.put(user: "5", channel: 1, items: (1...250).map(Int64.init))
        var served = try await cache.take(user: "5", channel: 1, count: 10)
        #expect(served == (1...10).map(Int64.init))
        served += try await cache.take(user: "5", channel: 1, count: 95)
        #expect(served == (1...105).map(Int64.init))
        // A restart loses the level-1 copy only: what follows was never served.
        list.close()
        list = try SQLiteWaitList(path: path)
        cache = TieredFeedCache(waitList: list)
        while true {
            let next = try await cache.take(user: "5", channel: 1, count: 30)
            if next.isEmpty { break }
            served += next
        }
        #expect(Set(served).count == served.count)
        #expect(served.last == 250)
        list.close()
    }

    @Test("a published version is picked up without a restart; a corrupt one is refused")
    func artifactsReloadWithoutRestart() async throws {
        let root = Fixture.temporaryDirectory("reload")
        let first = try await offThePool { try Fixture.publish(root: root, seed: 1) }
        let watcher = try await offThePool { try ArtifactWatcher(store: ArtifactStore(root: root), logger: Logger(label: "test")) }
        #expect(watcher.current.version == first)
        #expect(!watcher.reloadIfChanged())
        let second = try await offThePool { try Fixture.publish(root: root, seed: 2) }
        #expect(watcher.reloadIfChanged())
        #expect(watcher.current.version == second)
        let third = try await offThePool { try Fixture.publish(root: root, seed: 3) }
        try Data("corrupt".utf8).write(to: URL(fileURLWithPath: "\(root)/\(third)/\(ArtifactLayout.recall)"))
        #expect(!watcher.reloadIfChanged())
        #expect(watcher.current.version == second)
    }
}

@Suite("RecoCenter in-process", .serialized)
struct FeedHandlerTests {
    /// Recall, sort and cache served in-process; `sortAlive` or `cacheAlive`
    /// false points that dependency at a closed port.
    func makeFeed(sortAlive: Bool, cacheAlive: Bool = true, recallCount: Int32 = 100,
                  cache wrap: (any FeedCache) -> any FeedCache = { $0 }, cacheClient: (RPCClient) -> Void = { _ in }) async throws -> (FeedHandler, [RPCServer]) {
        let artifacts = try await fixtureWatcher()
        let logger = Logger(label: "test")
        let recall = RPCServer(configuration: .init(port: 0), router: RecallHandler(artifacts: artifacts, experiments: experiments, logger: logger).router)
        let sort = RPCServer(configuration: .init(port: 0), router: RankHandler(artifacts: artifacts, experiments: experiments, logger: logger).router)
        let dir = Fixture.temporaryDirectory("feed")
        let cache = RPCServer(configuration: .init(port: 0), router: CacheHandler(cache: wrap(TieredFeedCache(waitList: try SQLiteWaitList(path: dir + "/w.sqlite"))), logger: logger).router)
        for server in [recall, sort, cache] { try server.start() }
        if !sortAlive { await sort.shutdown(grace: .zero) }
        let cacheCalls = try RPCClient(endpoint: .init(port: cacheAlive ? cache.port : 1))
        cacheClient(cacheCalls)
        let feed = FeedHandler(
            history: try SQLiteHistoryStore(path: dir + "/h.sqlite"),
            dependencies: .init(recall: try RPCClient(endpoint: .init(port: recall.port)),
                                sort: try RPCClient(endpoint: .init(port: sortAlive ? sort.port : 1)),
                                cache: cacheCalls),
            logger: logger, recallCount: recallCount, defaultBudget: .seconds(30))
        return (feed, [recall, sort, cache])
    }

    @Test("refreshes never repeat an item; history pages back with the previous batch's time")
    func refreshesAndHistory() async throws {
        let (feed, servers) = try await makeFeed(sortAlive: true)
        let context = ServerContext(path: "/reco.Feed/feed")
        var seen: Set<Int64> = [], times: [Int64] = [], batches: [[Int64]] = []
        for step in 1...4 {
            let time = Int64(1_700_000_000_000 + step * 1000)
            let answer = try await feed.feed(FeedQuery(userID: "3", channelID: 0, count: 4, sources: [100, 101, 103, 104], model: 200, timeStamp: time), context: context)
            #expect(answer.articleIDs.count == 4)
            #expect(answer.degraded.isEmpty)
            #expect(seen.isDisjoint(with: answer.articleIDs))
            #expect(answer.timeStamp == (times.last ?? 0))
            seen.formUnion(answer.articleIDs)
            times.append(time)
            batches.append(answer.articleIDs)
        }
        var time = times.last!
        for index in stride(from: 3, through: 0, by: -1) {
            let page = try await feed.feed(FeedQuery(userID: "3", channelID: 0, count: 4, timeStamp: time), context: context)
            #expect(page.fromHistory)
            #expect(page.articleIDs == batches[index])
            #expect(page.timeStamp == (index > 0 ? times[index - 1] : 0))
            time = page.timeStamp
        }
        for server in servers { await server.shutdown(grace: .zero) }
    }

    @Test("a user runs out only when the recall lists do, whatever recall_count: history filters more than the first candidates")
    func recallRunsOutOnlyWhenTheListsDo() async throws {
        var served: [Int32: Int] = [:]
        for recallCount: Int32 in [100, 4] {
            let (feed, servers) = try await makeFeed(sortAlive: true, recallCount: recallCount)
            var seen: Set<Int64> = [], time = Int64(1_700_000_000_000)
            for _ in 0..<500 {
                time += 1000
                let answer = try await feed.feed(FeedQuery(userID: "3", channelID: 0, count: 4, sources: [100, 101, 103, 104], model: 200, timeStamp: time),
                                                 context: ServerContext(path: "/reco.Feed/feed"))
                if answer.articleIDs.isEmpty { break }
                #expect(seen.isDisjoint(with: answer.articleIDs))
                seen.formUnion(answer.articleIDs)
            }
            served[recallCount] = seen.count
            for server in servers { await server.shutdown(grace: .zero) }
        }
        #expect(served[4]! > 4 && served[4] == served[100], "\(served)")
    }

    @Test("a wait list that lost its takes (a crash before the write) never makes a refresh repeat an item")
    func staleWaitListNeverRepeats() async throws {
        nonisolated(unsafe) var feedCache: RPCClient?
        let (feed, servers) = try await makeFeed(sortAlive: true, cacheClient: { feedCache = $0 })
        let context = ServerContext(path: "/reco.Feed/feed")
        let query = FeedQuery(userID: "8", channelID: 0, count: 4, sources: [100, 101, 103, 104], model: 200, timeStamp: 1_700_000_001_000)
        let first = try await feed.feed(query, context: context)
        #expect(first.articleIDs.count == 4)
        // The rest of the ranking is put without waiting: a call behind it on
        // RecoCenter's connection to the cache is answered once it is in.
        let _: HealthCheckResponse = try await feedCache!.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(service: ""))
        // The cache comes back with the served items at the front of the ranking.
        let cache = try RPCClient(endpoint: .init(port: servers[2].port))
        let rest: ItemList = try await cache.unary("/reco.Cache/take", FeedQuery(userID: "8", channelID: 0, count: 200))
        #expect(!rest.articleIDs.isEmpty)
        let _: ItemList = try await cache.unary("/reco.Cache/put", FeedQuery(userID: "8", channelID: 0, articleIDs: first.articleIDs + rest.articleIDs))
        var second = query
        second.timeStamp += 1000
        let answer = try await feed.feed(second, context: context)
        #expect(answer.articleIDs.count == 4)
        #expect(Set(answer.articleIDs).isDisjoint(with: first.articleIDs))
        #expect(answer.articleIDs == Array(rest.articleIDs.prefix(4)))
        cache.shutdown()
        for server in servers { await server.shutdown(grace: .zero) }
    }

    @Test("a channel the user was never served asks no cache; the next refresh does")
    func firstRefreshSkipsTheCache() async throws {
        let (feed, servers) = try await makeFeed(sortAlive: true, cacheAlive: false)
        let context = ServerContext(path: "/reco.Feed/feed")
        var query = FeedQuery(userID: "9", channelID: 2, count: 4, sources: [100, 101, 103, 104], model: 200, timeStamp: 1_700_000_001_000)
        let first = try await feed.feed(query, context: context)
        #expect(first.articleIDs.count == 4 && first.degraded.isEmpty)
        query.timeStamp += 1000
        let second = try await feed.feed(query, context: context)
        #expect(second.degraded == ["cache"])
        #expect(Set(second.articleIDs).isDisjoint(with: first.articleIDs))
        for server in servers { await server.shutdown(grace: .zero) }
    }

    @Test("a wait list RecoCenter emptied itself is not asked again until it parks a new ranking")
    func emptiedWaitListIsNotAsked() async throws {
        let counting = CountingFeedCache()
        nonisolated(unsafe) var cache: RPCClient?
        let (feed, servers) = try await makeFeed(sortAlive: true, cache: { counting.inner = $0; return counting }, cacheClient: { cache = $0 })
        let context = ServerContext(path: "/reco.Feed/feed")
        var time = Int64(1_700_000_000_000), seen: [Int32: Set<Int64>] = [:]
        /// One refresh: how many takes it made, what it served, whether it parked a ranking.
        func refresh(_ channel: Int32, count: Int32) async throws -> (takes: Int32, served: Int, parked: Int?) {
            time += 1000
            let (takes, puts) = (counting.takes.load(ordering: .relaxed), counting.puts.load(ordering: .relaxed))
            let answer = try await feed.feed(FeedQuery(userID: "12", channelID: channel, count: count, sources: [100, 101, 103, 104], model: 200, timeStamp: time),
                                             context: context)
            #expect(seen[channel, default: []].isDisjoint(with: answer.articleIDs), "repeated: \(answer.articleIDs)")
            seen[channel, default: []].formUnion(answer.articleIDs)
            // The put is sent without waiting: a call behind it on RecoCenter's
            // connection to the cache is answered after it was applied.
            let _: HealthCheckResponse = try await cache!.unary("/grpc.health.v1.Health/Check", HealthCheckRequest(service: ""))
            let parked = counting.puts.load(ordering: .relaxed) > puts ? counting.lastPut.withLock { $0 } : nil
            return (counting.takes.load(ordering: .relaxed) - takes, answer.articleIDs.count, parked)
        }
        // Drained exactly: a take that got all it asked for, and the count says nothing is left.
        let first = try await refresh(1, count: 2)
        let parked = try #require(first.parked)
        #expect(first.takes == 0 && parked > 0, "a channel never served asks no cache")
        let drained = try await refresh(1, count: Int32(parked))
        #expect(drained.takes == 1 && drained.served == parked)
        let next = try await refresh(1, count: 2)
        #expect(next.takes == 0, "known empty: straight to recall")
        if next.parked != nil {
            #expect(try await refresh(1, count: 2).takes == 1, "a new ranking was parked: asked again")
        }
        // Found short: a take that got less than it asked for.
        _ = try await refresh(0, count: 2)
        let short = try await refresh(0, count: 200)
        #expect(short.takes == 1)
        if short.parked == nil {
            #expect(try await refresh(0, count: 2).takes == 0, "found short and nothing parked since: not asked")
        }
        for server in servers { await server.shutdown(grace: .zero) }
    }

    @Test("concurrent requests of one user run one at a time: refreshes never serve an item twice, late ones page back")
    func concurrentRequestsOfOneUser() async throws {
        let (feed, servers) = try await makeFeed(sortAlive: true)
        // Arrival order is arbitrary: a request older than a refresh already done is a history page.
        let answers = try await withThrowingTaskGroup(of: ItemList.self) { group in
            for step in 1...8 {
                group.addTask {
                    try await feed.feed(FeedQuery(userID: "6", channelID: 0, count: 3, sources: [100, 101, 103, 104], model: 200,
                                                  timeStamp: Int64(1_700_000_000_000 + step)), context: ServerContext(path: "/reco.Feed/feed"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let refreshes = answers.filter { !$0.fromHistory }.map(\.articleIDs)
        let served = refreshes.flatMap { $0 }
        #expect(!refreshes.isEmpty && refreshes.allSatisfy { $0.count == 3 })
        #expect(Set(served).count == served.count, "a refresh repeated an item: \(refreshes)")
        for page in answers.filter(\.fromHistory) where !page.articleIDs.isEmpty {
            #expect(refreshes.contains(page.articleIDs), "a page that is no refresh's batch: \(page.articleIDs)")
        }
        for server in servers { await server.shutdown(grace: .zero) }
    }

    @Test("with SortService down a refresh still answers, in recall order, and says why")
    func sortDownDegrades() async throws {
        let (feed, servers) = try await makeFeed(sortAlive: false)
        let answer = try await feed.feed(FeedQuery(userID: "9", channelID: 0, count: 5, sources: [100, 104], model: 200, timeStamp: 1_700_000_000_000),
                                         context: ServerContext(path: "/reco.Feed/feed"))
        #expect(answer.articleIDs.count == 5)
        #expect(answer.degraded == ["sort"])
        #expect(feed.degradations.snapshot["sort"] == 1)
        for server in servers { await server.shutdown(grace: .zero) }
    }
}

/// A cache that counts the takes it answers (on the loop or off it).
final class CountingFeedCache: FeedCache, @unchecked Sendable {
    /// Set once, before the first call.
    var inner: (any FeedCache)!
    let takes = Atomic<Int32>(0)
    let puts = Atomic<Int32>(0)
    let lastPut = Mutex<Int>(0)

    func take(user: String, channel: Int32, count: Int) async throws -> [Int64] {
        takes.add(1, ordering: .relaxed)
        return try await inner.take(user: user, channel: channel, count: count)
    }

    func takeNow(user: String, channel: Int32, count: Int) -> [Int64]? {
        let taken = inner.takeNow(user: user, channel: channel, count: count)
        if taken != nil { takes.add(1, ordering: .relaxed) }
        return taken
    }

    func put(user: String, channel: Int32, items: [Int64]) async throws {
        try await inner.put(user: user, channel: channel, items: items)
        counted(items)
    }

    func putNow(user: String, channel: Int32, items: [Int64]) -> Bool {
        let done = inner.putNow(user: user, channel: channel, items: items)
        if done { counted(items) }
        return done
    }

    private func counted(_ items: [Int64]) {
        lastPut.withLock { $0 = items.count }
        puts.add(1, ordering: .relaxed)
    }
    func invalidate(user: String) async throws { try await inner.invalidate(user: user) }
}
