public import Redis

/// History in Redis: a sorted set per (user, channel) scored by request time.
/// Every read a request needs is one pipeline (`view`); a new batch is one
/// MULTI/EXEC that also drops batches more than 90 days older than it and
/// renews the key's 90-day TTL, so idle users expire on their own.
/// No in-process copy: RecoCenter replicas share this state.
public final class RedisHistoryStore: HistoryStore {
    let redis: RedisClient

    public init(redis: RedisClient) {
        self.redis = redis
    }

    public func newestTime(user: String, channel: Int32) async throws -> Int64? {
        try Self.newest(try await redis.replies([RedisCommand("ZREVRANGE", RedisKeys.history(user, channel), 0, 0, "WITHSCORES")])[0])
    }

    public func batch(user: String, channel: Int32, atOrBefore time: Int64) async throws -> HistoryBatch? {
        let reply = try await redis.replies([RedisCommand("ZREVRANGEBYSCORE", RedisKeys.history(user, channel), time, "-inf", "WITHSCORES", "LIMIT", 0, 2)])[0].array
        guard reply.count >= 2, let newest = Self.score(reply[1]) else { return nil }
        let previous = reply.count >= 4 ? Self.score(reply[3]) ?? 0 : 0
        return HistoryBatch(time: newest, items: Self.items(reply[0]), previousTime: previous)
    }

    public func shownItems(user: String, channels: [Int32]) async throws -> Set<Int64> {
        let replies = try await redis.replies(Set(channels).map { RedisCommand("ZRANGE", RedisKeys.history(user, $0), 0, -1) })
        return Set(replies.flatMap { $0.array.flatMap(Self.items) })
    }

    public func view(user: String, channel: Int32) async throws -> HistoryView {
        var commands = [RedisCommand("ZREVRANGE", RedisKeys.history(user, channel), 0, 0, "WITHSCORES"),
                        RedisCommand("ZRANGE", RedisKeys.history(user, channel), 0, -1)]
        if channel != 0 { commands.append(RedisCommand("ZRANGE", RedisKeys.history(user, 0), 0, -1)) }
        let replies = try await redis.replies(commands)
        return HistoryView(newest: try Self.newest(replies[0]), shown: Set(replies.dropFirst().flatMap { $0.array.flatMap(Self.items) }))
    }

    public func append(user: String, channel: Int32, time: Int64, items: [Int64]) async throws {
        let key = RedisKeys.history(user, channel)
        let retentionMilliseconds = historyRetentionSeconds * 1000
        let replies = try await redis.replies([
            RedisCommand("MULTI"),
            RedisCommand("ZREMRANGEBYSCORE", key, time, time),
            RedisCommand("ZADD", key, time, "\(time):\(ItemText.encode(items))"),
            RedisCommand("ZREMRANGEBYSCORE", key, "-inf", "(\(time - retentionMilliseconds)"),
            RedisCommand("EXPIRE", key, historyRetentionSeconds),
            RedisCommand("EXEC"),
        ])
        guard case .array = replies.last else { throw StoreError("history \(user)/\(channel): transaction aborted") }
    }

    /// Redis expires history itself (key TTL, trimming on append).
    public func purge(recordedBefore instant: Int64) async throws -> Int { 0 }

    static func newest(_ reply: RedisReply) throws -> Int64? {
        let pair = reply.array
        return pair.count >= 2 ? score(pair[1]) : nil
    }

    static func score(_ reply: RedisReply) -> Int64? {
        reply.text.flatMap { Int64($0) ?? Double($0).map { Int64($0) } }
    }

    /// "time:1,2,3" -> [1, 2, 3].
    static func items(_ member: RedisReply) -> [Int64] {
        guard let text = member.text, let colon = text.firstIndex(of: ":") else { return [] }
        return ItemText.decode(String(text[text.index(after: colon)...]))
    }
}
