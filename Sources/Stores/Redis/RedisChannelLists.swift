public import Redis

/// `ch:{channel}:hot` and `ch:{channel}:new` sorted sets (score: higher
/// first), published by RecallService every second from its live hot list and
/// the artifacts' new list, read by ABRouter when RecoCenter fails, so a
/// degraded answer needs neither RecoCenter nor RecallService. The hot list
/// expires a minute after its last publication (a stale "hot" is worse than
/// none); the new list with the next publication.
public final class RedisChannelLists: ChannelLists {
    let redis: RedisClient
    static let hotSeconds = 60
    static let newSeconds = 24 * 3600

    public init(redis: RedisClient) {
        self.redis = redis
    }

    public func publish(channel: Int32, hot: [Int64], new: [Int64]) async throws {
        var commands = [RedisCommand("MULTI")]
        for (key, items, seconds) in [(RedisKeys.hot(channel), hot, Self.hotSeconds), (RedisKeys.new(channel), new, Self.newSeconds)] {
            commands.append(RedisCommand("DEL", key))
            guard !items.isEmpty else { continue }
            var arguments: [any RedisArgument] = ["ZADD", key]
            for (rank, item) in items.enumerated() { arguments += [items.count - rank, item] }
            commands.append(RedisCommand(arguments))
            commands.append(RedisCommand("EXPIRE", key, seconds))
        }
        commands.append(RedisCommand("EXEC"))
        _ = try await redis.replies(commands)
    }

    public func hotAndNew(channel: Int32, count: Int) async throws -> [Int64] {
        guard count > 0 else { return [] }
        let replies = try await redis.replies([RedisCommand("ZREVRANGE", RedisKeys.hot(channel), 0, count - 1),
                                               RedisCommand("ZREVRANGE", RedisKeys.new(channel), 0, count - 1)])
        let hot = replies[0].array.compactMap(\.integer), new = replies[1].array.compactMap(\.integer)
        var result: [Int64] = [], seen: Set<Int64> = []
        for position in 0..<max(hot.count, new.count) where result.count < count {
            for list in [hot, new] where position < list.count && result.count < count && seen.insert(list[position]).inserted {
                result.append(list[position])
            }
        }
        return result
    }
}
