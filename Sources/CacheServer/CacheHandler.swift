public import Logging
import Messages
public import RPC
import ServiceRuntime
public import Stores

/// CacheService: serves `take` (pop the next ranked items of a user's
/// channel), `put` (a new ranking replaces the old) and `invalidate` (the
/// user's behaviour made every channel's ranking stale) over a `FeedCache`:
/// level 1 in memory over the SQLite wait list, or both levels in Redis.
public final class CacheHandler: Sendable {
    let cache: any FeedCache
    let logger: Logger
    let takes = CounterFamily("cache_takes_total", dimension: "result")

    public init(cache: any FeedCache, logger: Logger) {
        self.cache = cache
        self.logger = logger
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        // Answered from memory on the loop thread when they can be (level 1,
        // or a wait list memory holds); as tasks when a store must be waited for.
        router.unary("reco.Cache", "take", immediately: { (query: FeedQuery, _) in
            self.cache.takeNow(user: query.userID, channel: query.channelID, count: Int(max(query.count, 0))).map { self.taken($0, query) }
        }) { (query: FeedQuery, context) in
            self.taken(try await self.stored(context) { try await self.cache.take(user: query.userID, channel: query.channelID, count: Int(max(query.count, 0))) }, query)
        }
        router.unary("reco.Cache", "put", immediately: { (query: FeedQuery, _) in
            self.cache.putNow(user: query.userID, channel: query.channelID, items: query.articleIDs) ? ItemList(articleIDs: []) : nil
        }) { (query: FeedQuery, context) in
            try await self.stored(context) { try await self.cache.put(user: query.userID, channel: query.channelID, items: query.articleIDs) }
            return ItemList(articleIDs: [])
        }
        router.unary("reco.Cache", "invalidate") { (query: FeedQuery, context) in
            try await self.stored(context) { try await self.cache.invalidate(user: query.userID) }
            return ItemList(articleIDs: [])
        }
        return router
    }

    /// The answer to a take, counted by how it went.
    func taken(_ items: [Int64], _ query: FeedQuery) -> ItemList {
        takes.increment(items.isEmpty ? "miss" : items.count >= Int(query.count) ? "hit" : "partial")
        return ItemList(articleIDs: items)
    }

    /// A store failure answers UNAVAILABLE (callers degrade), logged with the request id.
    func stored<T: Sendable>(_ context: ServerContext, _ body: () async throws -> T) async throws(RPCError) -> T {
        do {
            return try await body()
        } catch {
            logger.forRequest(context).error("cache store: \(error)")
            throw RPCError(.unavailable, "cache store unavailable")
        }
    }
}
