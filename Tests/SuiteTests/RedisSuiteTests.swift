import Foundation
import Messages
import RPC
import Synchronization
import TestSupport
import Testing

/// The same end-to-end cases with every online store in Redis: a single
/// server, a 3-master Cluster, and RecoCenter replicas sharing the state.
@Suite("the five services on Redis: the end-to-end cases, a Cluster, replicas", .serialized)
struct RedisSuiteTests {
    static let cases = ["refresh", "channels", "ab", "invalid", "similar", "hostile"]

    /// The real-time loop first (user 12 dislikes all but 20 items, whose
    /// next refreshes must serve only those: other cases' pulls would use them
    /// up), then `cases`.
    static func runCases(_ suite: RunningSuite, _ cases: [String]) async throws {
        let behaviour = try await suite.python(["behavior", "dislike"])
        for name in ["behavior", "dislike"] { #expect(behaviour[name]?.ok == true, "\(name): \(behaviour[name]?.detail ?? "not run")") }
        try await suite.waitForDislikesApplied()
        let results = try await suite.python(["after_dislike"] + cases)
        for name in ["after_dislike"] + cases { #expect(results[name]?.ok == true, "\(name): \(results[name]?.detail ?? "not run")") }
    }

    @Test("feed, paging, A/B, validation, similar items and the real-time loop with history, caches and events in one redis-server; then answers with RecoCenter and RecallService killed")
    func endToEndOnRedis() async throws {
        try await RedisServer.with { redis in
            let suite = RunningSuite(redisURL: redis.url)
            try await suite.start()
            try await Self.runCases(suite, Self.cases)
            // The A/B read-out replays the events from Redis.
            let (status, report) = try await run("\(productsDirectory)/recoctl", ["ab-report", "--events", redis.url, "--partitions", "2"])
            let replayed = Int(report.split(separator: " ").first ?? "") ?? 0
            #expect(status == 0 && replayed > 100 && report.contains("Algo-"), "\(report)")
            // RecallService publishes every channel's hot and new lists; with it and
            // RecoCenter both killed, ABRouter still answers from them.
            let end = ContinuousClock.now + safetyTimeout
            while try await redis.cli(["zcard", "ch:{3}:new"]).trimmingCharacters(in: .whitespacesAndNewlines) == "0", ContinuousClock.now < end {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await suite.kill("RecoCenter")
            try await suite.kill("RecallService")
            let degraded = try await suite.python(["degraded"])
            #expect(degraded["degraded"]?.ok == true, "RecoCenter and RecallService killed: \(degraded["degraded"]?.detail ?? "not run")")
            await suite.stop()
            let router = (try? String(contentsOfFile: "\(suite.directory)/ABRouter.log", encoding: .utf8)) ?? ""
            #expect(router.contains("answering from hot and new") && !router.contains("RecallService:"), "degraded answers came from the channel lists")
            // The state is in Redis, none on local disk.
            #expect(!FileManager.default.fileExists(atPath: "\(suite.directory)/db/RecoCenter.sqlite"))
            #expect(!FileManager.default.fileExists(atPath: "\(suite.directory)/events"))
            let keys = try await redis.cli(["--scan", "--pattern", "*"]).split(separator: "\n").map(String.init)
            #expect(keys.contains { $0.hasPrefix("hist:{") } && keys.contains { $0.hasPrefix("events:{p") }, "\(keys.prefix(10))")
        }
    }

    @Test("the suite runs unchanged on a 3-master Redis Cluster")
    func endToEndOnACluster() async throws {
        try await RedisServer.with(masters: 3) { redis in
            let suite = RunningSuite(redisURL: redis.url)
            try await suite.start()
            try await Self.runCases(suite, ["refresh", "channels", "ab"])
            await suite.stop()
        }
    }

    @Test("ABRouter over two RecoCenter replicas answers every call while one is killed; the survivor pages back history either wrote")
    func replicasSurviveAKill() async throws {
        try await RedisServer.with { redis in
            let suite = RunningSuite(redisURL: redis.url, replicas: ["RecoCenter": 2])
            try await suite.start()
            let router = try RPCClient(endpoint: .init(port: suite.ports["ABRouter"]!))
            let users = 20
            let tally = LoadTally()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<8 {
                    group.addTask {
                        for i in 0..<150 {
                            let time = tally.state.withLock { $0.clock += 1; return $0.clock }
                            let user = User(userID: "\((caller * 150 + i) % users + 1)", channelID: 0, articleNum: 2, timeStamp: time)
                            do {
                                let _: Track = try await router.unary("/UserRecommend/user_recommend", user, timeout: safetyTimeout)
                                tally.state.withLock { $0.answered += 1 }
                            } catch {
                                tally.state.withLock { $0.failures.append("\(error)") }
                            }
                        }
                    }
                }
                // Kill one replica once a good number of calls went through both (a condition, not a delay).
                group.addTask {
                    while tally.state.withLock({ $0.answered < 300 && $0.answered + $0.failures.count < 8 * 150 }) {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    try await suite.kill("RecoCenter#2")
                }
                try await group.waitForAll()
            }
            let (_, answered, failures) = tally.state.withLock { $0 }
            #expect(failures.isEmpty, "\(failures.prefix(3))")
            #expect(answered == 8 * 150)

            // The survivor alone: a refresh for each user sees the newest batch
            // (whichever replica wrote it; a fallback answer would carry 0), and
            // paging back from there walks every batch either replica stored.
            var paged = 0
            for id in 1...users {
                let now = tally.state.withLock { $0.clock += 1; return $0.clock }
                let refresh: Track = try await router.unary("/UserRecommend/user_recommend", User(userID: "\(id)", channelID: 0, articleNum: 2, timeStamp: now), timeout: safetyTimeout)
                #expect(refresh.timeStamp > 0, "user \(id): the refresh did not see the stored history")
                var time = refresh.timeStamp
                while time > 0 {
                    let page: Track = try await router.unary("/UserRecommend/user_recommend", User(userID: "\(id)", channelID: 0, articleNum: 2, timeStamp: time), timeout: safetyTimeout)
                    guard !page.recommends.isEmpty else { break }
                    paged += 1
                    time = page.timeStamp
                }
            }
            var stored = 0
            for id in 1...users { stored += Int(try await redis.cli(["zcard", "hist:{\(id)}:0"]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
            #expect(paged == stored && stored > 300, "paged \(paged) of \(stored) stored batches")
            router.shutdown()
            await suite.stop()
        }
    }
}

/// What concurrent callers share: a clock (every call a fresh refresh), answers and failures.
final class LoadTally: Sendable {
    /// The clock starts at now in milliseconds (ABRouter refuses times in the future, so it is later in use).
    let state = Mutex<(clock: Int64, answered: Int, failures: [String])>((Int64(Date().timeIntervalSince1970 * 1000) - 10_000, 0, []))
}
