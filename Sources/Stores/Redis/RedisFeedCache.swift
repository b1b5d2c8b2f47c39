import CoreMetrics
public import Redis
import Synchronization

/// Both cache levels in Redis (lists `l1:{uid}:c` and `wait:{uid}:c`), so
/// CacheService replicas share them. A take is one server-side script
/// (atomic, one round trip): pop from level 1, refill it from the wait list
/// when short. Level 1 lives an hour, the wait list 30 days, unless replaced.
public final class RedisFeedCache: FeedCache {
    let redis: RedisClient
    let channels: ClosedRange<Int32>
    let takeScript = RedisScript("""
        local want = tonumber(ARGV[1])
        local refilled = 0
        local out = redis.call('LRANGE', KEYS[1], 0, want - 1)
        if #out > 0 then redis.call('LTRIM', KEYS[1], #out, -1) end
        if #out < want then
          local refill = redis.call('LRANGE', KEYS[2], 0, tonumber(ARGV[2]) - 1)
          if #refill > 0 then
            refilled = 1
            redis.call('LTRIM', KEYS[2], #refill, -1)
            local need = want - #out
            local rest = {}
            for i = 1, #refill do
              if i <= need then out[#out + 1] = refill[i] else rest[#rest + 1] = refill[i] end
            end
            if #rest > 0 then
              redis.call('RPUSH', KEYS[1], unpack(rest))
              redis.call('EXPIRE', KEYS[1], ARGV[3])
            end
          end
        end
        return {out, refilled}
        """)
    static let levelOneSeconds = 3600
    static let waitListSeconds = 30 * 24 * 3600

    /// `channels`: every channel a user can have lists in (invalidation drops them all).
    public init(redis: RedisClient, channels: ClosedRange<Int32>) {
        self.redis = redis
        self.channels = channels
    }

    public func take(user: String, channel: Int32, count: Int) async throws -> [Int64] {
        guard count > 0 else { return [] }
        let reply = try await takeScript.run(on: redis, keys: [RedisKeys.levelOne(user, channel), RedisKeys.waitList(user, channel)],
                                             arguments: [count, levelOneLength, Self.levelOneSeconds])
        // {items, 1 when level 1 was refilled from the wait list}
        if reply.array.count > 1, reply.array[1].integer == 1 { Counter(label: "cache_refills_total").increment() }
        return reply.array.first?.array.compactMap(\.integer) ?? []
    }

    public func put(user: String, channel: Int32, items: [Int64]) async throws {
        let wait = RedisKeys.waitList(user, channel)
        var commands = [RedisCommand("MULTI"), RedisCommand("DEL", RedisKeys.levelOne(user, channel), wait)]
        if !items.isEmpty {
            commands.append(RedisCommand(["RPUSH", wait] + items.map { $0 as any RedisArgument }))
            commands.append(RedisCommand("EXPIRE", wait, Self.waitListSeconds))
        }
        commands.append(RedisCommand("EXEC"))
        _ = try await redis.replies(commands)
    }

    public func invalidate(user: String) async throws {
        let keys = channels.flatMap { [RedisKeys.levelOne(user, $0), RedisKeys.waitList(user, $0)] }
        _ = try await redis.replies([RedisCommand(["DEL"] + keys)])
    }
}
