import Foundation
import Redis
import Stores
import TestSupport
import Testing

/// The Redis implementations against a real redis-server (and a real
/// 3-master Cluster), with the same expectations as the embedded stores.
@Suite("Redis stores", .serialized)
struct RedisStoreTests {
    @Test("history pages back batch by batch, and one read returns what a refresh needs", arguments: [1, 3])
    func historyPagesBack(masters: Int) async throws {
        try await RedisServer.with(masters: masters) { server in
            let redis = try RedisClient(url: server.url)
            #expect(try await redis.isCluster() == (masters > 1))
            let store = RedisHistoryStore(redis: redis)
            try await StoreTests.expectHistoryContract(store)
            // The same time again replaces its batch; every key expires after 90 days.
            try await store.append(user: "7", channel: 0, time: 200, items: [6])
            #expect(try await store.batch(user: "7", channel: 0, atOrBefore: 250)?.items == [6])
            let ttl = Int(try await server.cli(["ttl", RedisKeys.history("7", 0)]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            #expect(ttl > 89 * 24 * 3600 && ttl <= 90 * 24 * 3600)
            // Batches more than 90 days older than the newest are dropped.
            let day: Int64 = 24 * 3600 * 1000
            try await store.append(user: "9", channel: 1, time: 1 * day, items: [1])
            try await store.append(user: "9", channel: 1, time: 92 * day, items: [2])
            #expect(try await store.batch(user: "9", channel: 1, atOrBefore: 2 * day) == nil)
            redis.close()
        }
    }

    @Test("the two cache levels serve a ranking in order, once, across refills and a new client; invalidation drops every channel", arguments: [1, 3])
    func feedCacheServesEachItemOnce(masters: Int) async throws {
        try await RedisServer.with(masters: masters) { server in
            var redis = try RedisClient(url: server.url)
            var cache = RedisFeedCache(redis: redis, channels: 0...3)
            try await cache.put(user: "5", channel: 1, items: (1...250).map(Int64.init))
            var served = try await cache.take(user: "5", channel: 1, count: 10)
            #expect(served == (1...10).map(Int64.init))
            served += try await cache.take(user: "5", channel: 1, count: 95)
            #expect(served == (1...105).map(Int64.init))
            // Another process (a replica, a restart) continues where this one stopped.
            redis.close()
            redis = try RedisClient(url: server.url)
            cache = RedisFeedCache(redis: redis, channels: 0...3)
            while true {
                let next = try await cache.take(user: "5", channel: 1, count: 30)
                if next.isEmpty { break }
                served += next
            }
            #expect(served == (1...250).map(Int64.init))
            // A newer ranking replaces the old one; invalidation empties both levels of every channel.
            try await cache.put(user: "5", channel: 2, items: [7, 8, 9])
            try await cache.put(user: "5", channel: 3, items: [1, 2])
            #expect(try await cache.take(user: "5", channel: 2, count: 1) == [7])
            try await cache.put(user: "5", channel: 2, items: [20, 21])
            #expect(try await cache.take(user: "5", channel: 2, count: 5) == [20, 21])
            try await cache.put(user: "5", channel: 2, items: [30, 31, 32])
            _ = try await cache.take(user: "5", channel: 2, count: 1)
            try await cache.invalidate(user: "5")
            #expect(try await cache.take(user: "5", channel: 2, count: 5) == [])
            #expect(try await cache.take(user: "5", channel: 3, count: 5) == [])
            redis.close()
        }
    }

    @Test("events stream through partitions in per-user order; a consumer acknowledges what it applied; a crashed one's pending entries go to its successor")
    func eventStreamPartitionsAndConsumerGroups() async throws {
        try await RedisServer.with(masters: 3) { server in
            let redis = try RedisClient(url: server.url)
            let stream = RedisEventStream(redis: redis, partitions: 3)
            var written: [EventRecord] = []
            for i in 0..<600 {
                written.append(EventRecord(user: "u\(i % 17)", bytes: Array("u\(i % 17)/\(i)".utf8) + [0, 255]))
            }
            for chunk in stride(from: 0, to: written.count, by: 50) { try await stream.append(Array(written[chunk..<chunk + 50])) }

            func drain(_ source: RedisEventSource) async throws -> [[UInt8]] {
                var read: [[UInt8]] = []
                while true {
                    let batch = try await source.next()
                    if batch.isEmpty { return read }
                    read += batch
                }
            }
            let source = RedisEventSource(redis: redis, partitions: 3, group: "SortService@test", batchSize: 100)
            let first = try await drain(source)
            #expect(Set(first) == Set(written.map(\.bytes)) && first.count == written.count)
            for user in 0..<17 {
                let mine = first.filter { $0.starts(with: Array("u\(user)/".utf8)) }
                #expect(mine == written.filter { $0.user == "u\(user)" }.map(\.bytes), "user u\(user)'s events in order")
            }
            // Everything read was acknowledged by the reads that followed it.
            #expect(try await Self.pending(redis, group: "SortService@test") == 0)
            // New events reach the running consumer; a restarted consumer (same group) rebuilds from the start.
            try await stream.append([EventRecord(user: "late", bytes: [1, 2, 3])])
            #expect(try await drain(source) == [[1, 2, 3]])
            // Offline jobs read everything retained, in stream-id order (so each user's in order).
            let all = try await stream.readAll(pageSize: 100)
            #expect(all.count == written.count + 1 && all.filter { $0.starts(with: Array("u3/".utf8)) } == written.filter { $0.user == "u3" }.map(\.bytes))
            // A consumer that crashes after reading a batch leaves it pending; its
            // successor (same group) gets it again with everything else and acknowledges it all.
            let crashed = RedisEventSource(redis: redis, partitions: 3, group: "RecallService@test", batchSize: 50)
            #expect(try await crashed.next().count == 150)
            #expect(try await Self.pending(redis, group: "RecallService@test") == 150)
            let restarted = RedisEventSource(redis: redis, partitions: 3, group: "RecallService@test", batchSize: 1000)
            #expect(try await drain(restarted).count == written.count + 1)
            #expect(try await Self.pending(redis, group: "RecallService@test") == 0)
            redis.close()
        }
    }

    /// Entries the group's consumers read and did not acknowledge, over the three partitions.
    static func pending(_ redis: RedisClient, group: String) async throws -> Int {
        var pending = 0
        for partition in 0..<3 {
            let reply = try await redis.send(RedisCommand("XPENDING", RedisKeys.events(partition: partition), group))
            pending += Int(reply.array.first?.integer ?? -1)
        }
        return pending
    }

    @Test("the client follows a Cluster's slots: one user's keys share a node, users spread over all three, and MOVED is followed")
    func clusterRoutesByUserTag() async throws {
        try await RedisServer.with(masters: 3) { server in
            let redis = try RedisClient(url: server.url)
            let history = RedisHistoryStore(redis: redis)
            for user in 0..<60 {
                for channel: Int32 in 0...3 { try await history.append(user: "\(user)", channel: channel, time: 10, items: [Int64(user)]) }
            }
            let masters = try await redis.masters()
            #expect(masters.count == 3)
            var keysPerNode: [Int] = []
            for master in masters {
                keysPerNode.append(Int(try await redis.send([RedisCommand("DBSIZE")], to: master)[0].integer ?? 0))
            }
            #expect(keysPerNode.reduce(0, +) == 240 && keysPerNode.allSatisfy { $0 > 0 }, "\(keysPerNode)")
            #expect(Set((0...3).map { ClusterSlot.of(Array(RedisKeys.history("42", $0).utf8)) }).count == 1)
            // A client whose seed is a node that owns nothing asked for is redirected (MOVED) and still answers.
            let other = try RedisClient(url: "redis://127.0.0.1:\(server.ports[2])")
            for user in 0..<60 { #expect(try await RedisHistoryStore(redis: other).newestTime(user: "\(user)", channel: 3) == 10) }
            other.close()
            redis.close()
        }
    }

    @Test("a channel's published hot and new lists read back interleaved, each item once; a newer publication replaces them")
    func channelListsPublishAndRead() async throws {
        try await RedisServer.with(masters: 3) { server in
            let redis = try RedisClient(url: server.url)
            let lists = RedisChannelLists(redis: redis)
            #expect(try await lists.hotAndNew(channel: 4, count: 10) == [])
            try await lists.publish(channel: 4, hot: [10, 11, 12], new: [20, 11, 21, 22])
            #expect(try await lists.hotAndNew(channel: 4, count: 10) == [10, 20, 11, 12, 21, 22])
            #expect(try await lists.hotAndNew(channel: 4, count: 3) == [10, 20, 11])
            try await lists.publish(channel: 4, hot: [30], new: [])
            #expect(try await lists.hotAndNew(channel: 4, count: 10) == [30])
            let ttl = Int(try await server.cli(["ttl", RedisKeys.hot(4)]).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            #expect(ttl > 0 && ttl <= 60, "a hot list nobody republishes expires")
            redis.close()
        }
    }

    @Test("an unreachable Redis is a StoreError; Redis URLs parse")
    func unreachableIsAStoreError() async throws {
        try await RedisServer.with { server in
            let redis = try RedisClient(url: server.url)
            let history = RedisHistoryStore(redis: redis)
            try await history.append(user: "1", channel: 0, time: 5, items: [1])
            await server.stop()
            await #expect(throws: StoreError.self) { try await history.newestTime(user: "1", channel: 0) }
            redis.close()
        }
        #expect(RedisAddress(url: "redis://:secret@db.internal:6380/2") == RedisAddress(host: "db.internal", port: 6380, password: "secret", database: 2))
        #expect(RedisAddress(url: "http://x") == nil && RedisAddress(url: "redis://h:99999") == nil)
        let local = RedisAddress(url: "unix:///run/redis/redis.sock?db=3&password=s3")
        #expect(local?.socketPath == "/run/redis/redis.sock" && local?.database == 3 && local?.password == "s3")
        #expect(RedisAddress(url: "unix:///run/redis/redis.sock")?.description == "unix:/run/redis/redis.sock")
        #expect(RedisAddress(url: "unix://relative.sock") == nil && RedisAddress(url: "unix:///r.sock?db=x") == nil && RedisAddress(url: "unix:///r.sock?nope=1") == nil)
    }

    @Test("a co-located Redis over its Unix socket (unix:///path?db=N) serves the stores as over TCP, in the database the URL names")
    func unixSocket() async throws {
        try await RedisServer.with { server in
            let redis = try RedisClient(url: server.socketURL + "?db=2")
            #expect(try await redis.isCluster() == false)
            try await StoreTests.expectHistoryContract(RedisHistoryStore(redis: redis))
            // The keys went to database 2 of the same server.
            let keys = try await server.cli(["-n", "2", "dbsize"]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect((Int(keys) ?? 0) > 0)
            redis.close()
        }
    }
}
