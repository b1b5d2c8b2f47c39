public import Logging
public import Messages
public import RPC
public import Stores
import Synchronization

/// CacheService: a level-1 cache of up to `levelOneLength` items per
/// (user, channel) in memory, refilled from the durable wait list. `take`
/// pops from the front; `put` replaces the wait list with a new ranking.
/// A refill moves up to `levelOneLength` items out of the durable list in one
/// write; if the process dies, those few unserved items are lost, which only
/// means recall finds them again (never that an item repeats).
public final class CacheHandler: Sendable {
    struct Key: Hashable { let user: String; let channel: Int32 }

    let waitList: any WaitList
    let logger: Logger
    let levelOne = Mutex<[Key: [Int64]]>([:])
    public static let levelOneLength = 100
    /// Beyond this many (user, channel) entries the level-1 cache drops one
    /// to make room (bounded memory; the dropped items are found by recall again).
    let maxEntries: Int

    public init(waitList: any WaitList, logger: Logger, maxEntries: Int = 100_000) {
        self.waitList = waitList
        self.logger = logger
        self.maxEntries = maxEntries
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.unary("reco.Cache", "take") { (query: FeedQuery, _) in try await self.take(query) }
        router.unary("reco.Cache", "put") { (query: FeedQuery, _) in try await self.put(query) }
        router.unary("reco.Cache", "invalidate") { (query: FeedQuery, _) in try await self.invalidate(query) }
        return router
    }

    public func take(_ query: FeedQuery) async throws(RPCError) -> ItemList {
        let key = Key(user: query.userID, channel: query.channelID)
        let count = Int(max(query.count, 0))
        var items = levelOne.withLock { cache -> [Int64] in
            guard var cached = cache[key] else { return [] }
            let taken = Array(cached.prefix(count))
            cached.removeFirst(taken.count)
            cache[key] = cached.isEmpty ? nil : cached
            return taken
        }
        if items.count < count {
            let refill: [Int64]
            do {
                refill = try await waitList.take(user: key.user, channel: key.channel, count: Self.levelOneLength)
            } catch {
                throw RPCError(.unavailable, "wait list: \(error)")
            }
            let needed = count - items.count
            items += refill.prefix(needed)
            let rest = Array(refill.dropFirst(needed))
            if !rest.isEmpty {
                levelOne.withLock { cache in
                    if cache.count >= maxEntries, let victim = cache.keys.first { cache[victim] = nil }
                    cache[key] = rest + (cache[key] ?? [])
                }
            }
        }
        return ItemList(articleIDs: items)
    }

    public func put(_ query: FeedQuery) async throws(RPCError) -> ItemList {
        let key = Key(user: query.userID, channel: query.channelID)
        levelOne.withLock { _ = $0.removeValue(forKey: key) }
        do {
            try await waitList.replace(user: key.user, channel: key.channel, items: query.articleIDs)
        } catch {
            throw RPCError(.unavailable, "wait list: \(error)")
        }
        return ItemList(articleIDs: [])
    }

    /// Drops everything cached and waiting for the user, in every channel:
    /// after a click or a dislike the next refresh ranks afresh.
    public func invalidate(_ query: FeedQuery) async throws(RPCError) -> ItemList {
        levelOne.withLock { cache in
            for key in cache.keys where key.user == query.userID { cache[key] = nil }
        }
        do {
            try await waitList.removeAll(user: query.userID)
        } catch {
            throw RPCError(.unavailable, "wait list: \(error)")
        }
        return ItemList(articleIDs: [])
    }
}
