import CoreMetrics
import Synchronization

/// What CacheService serves refreshes from: the ranked items a user was not
/// shown yet, per channel, in two levels: level 1 holds up to
/// `levelOneLength` items to serve next, the durable wait list the rest.
public protocol FeedCache: Sendable {
    /// Removes and returns up to `count` items in rank order; refills level 1
    /// from the wait list when it runs short.
    func take(user: String, channel: Int32, count: Int) async throws -> [Int64]
    /// A newer ranking replaces both levels of (user, channel).
    func put(user: String, channel: Int32, items: [Int64]) async throws
    /// Drops every channel of the user (their behaviour made the rankings stale).
    func invalidate(user: String) async throws
}

/// Items moved from the wait list into level 1 at a time.
public let levelOneLength = 100

/// Level 1 in this process's memory over a durable `WaitList` (the embedded
/// default). A refill moves up to `levelOneLength` items out of the durable
/// list in one write; if the process dies those few unserved items are lost,
/// which only means recall finds them again (never that an item repeats).
public final class TieredFeedCache: FeedCache {
    struct Key: Hashable { let user: String; let channel: Int32 }

    let waitList: any WaitList
    let levelOne = Mutex<[Key: [Int64]]>([:])
    /// Beyond this many (user, channel) entries level 1 drops one to make
    /// room (bounded memory; the dropped items are found by recall again).
    let maxEntries: Int

    public init(waitList: any WaitList, maxEntries: Int = 100_000) {
        self.waitList = waitList
        self.maxEntries = maxEntries
    }

    public func take(user: String, channel: Int32, count: Int) async throws -> [Int64] {
        let key = Key(user: user, channel: channel)
        var items = levelOne.withLock { cache -> [Int64] in
            guard var cached = cache[key] else { return [] }
            let taken = Array(cached.prefix(count))
            cached.removeFirst(taken.count)
            cache[key] = cached.isEmpty ? nil : cached
            return taken
        }
        guard items.count < count else { return items }
        let refill = try await waitList.take(user: user, channel: channel, count: levelOneLength)
        if !refill.isEmpty { Counter(label: "cache_refills_total").increment() }
        let needed = count - items.count
        items += refill.prefix(needed)
        let rest = Array(refill.dropFirst(needed))
        if !rest.isEmpty {
            levelOne.withLock { cache in
                if cache.count >= maxEntries, let victim = cache.keys.first { cache[victim] = nil }
                cache[key] = rest + (cache[key] ?? [])
            }
        }
        return items
    }

    public func put(user: String, channel: Int32, items: [Int64]) async throws {
        levelOne.withLock { _ = $0.removeValue(forKey: Key(user: user, channel: channel)) }
        try await waitList.replace(user: user, channel: channel, items: items)
    }

    public func invalidate(user: String) async throws {
        levelOne.withLock { cache in
            for key in cache.keys where key.user == user { cache[key] = nil }
        }
        try await waitList.removeAll(user: user)
    }
}
