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

    /// `take` when it can be answered without waiting on a store (CacheService
    /// then answers on its loop thread); nil otherwise, with nothing taken.
    func takeNow(user: String, channel: Int32, count: Int) -> [Int64]?
    /// `put` when it need not wait on a store; false otherwise, with nothing put.
    func putNow(user: String, channel: Int32, items: [Int64]) -> Bool
}

extension FeedCache {
    public func takeNow(user: String, channel: Int32, count: Int) -> [Int64]? { nil }
    public func putNow(user: String, channel: Int32, items: [Int64]) -> Bool { false }
}

/// Items moved from the wait list into level 1 at a time.
public let levelOneLength = 100

/// Level 1 in this process's memory over a durable `WaitList` (the embedded
/// default). A refill moves up to `levelOneLength` items out of the durable
/// list in one write; if the process dies those few unserved items are lost,
/// which only means recall finds them again (never that an item repeats).
public final class TieredFeedCache: FeedCache {
    let waitList: any WaitList
    let levelOne: Mutex<LevelOne>

    /// `maxEntries`: (user, channel) lists level 1 keeps at most; past it a
    /// user's lists are dropped to make room (bounded memory; the dropped
    /// items are found by recall again).
    public init(waitList: any WaitList, maxEntries: Int = 100_000) {
        self.waitList = waitList
        levelOne = Mutex(LevelOne(capacity: maxEntries))
    }

    public func take(user: String, channel: Int32, count: Int) async throws -> [Int64] {
        if let items = takeNow(user: user, channel: channel, count: count) { return items }
        let items = levelOne.withLock { $0.pop(user, channel, count) }
        return refilled(items, from: try await waitList.take(user: user, channel: channel, count: levelOneLength), user, channel, count)
    }

    /// Level 1 when it holds enough, else level 1 and a wait list that memory holds.
    public func takeNow(user: String, channel: Int32, count: Int) -> [Int64]? {
        if let items = levelOne.withLock({ $0.count(user, channel) >= count ? $0.pop(user, channel, count) : nil }) { return items }
        guard let refill = waitList.takeNow(user: user, channel: channel, count: levelOneLength) else { return nil }
        return refilled(levelOne.withLock { $0.pop(user, channel, count) }, from: refill, user, channel, count)
    }

    /// `items` from level 1 topped up from `refill`, the rest of which goes to level 1.
    private func refilled(_ items: [Int64], from refill: [Int64], _ user: String, _ channel: Int32, _ count: Int) -> [Int64] {
        guard items.count < count else { return items }
        if !refill.isEmpty { Counter(label: "cache_refills_total").increment() }
        let needed = count - items.count
        let rest = Array(refill.dropFirst(needed))
        if !rest.isEmpty { levelOne.withLock { $0.prepend(rest, user, channel) } }
        return items + refill.prefix(needed)
    }

    public func put(user: String, channel: Int32, items: [Int64]) async throws {
        // Level 1 is emptied either way; the wait list takes the list now or here.
        if putNow(user: user, channel: channel, items: items) { return }
        try await waitList.replace(user: user, channel: channel, items: items)
    }

    public func putNow(user: String, channel: Int32, items: [Int64]) -> Bool {
        levelOne.withLock { $0.remove(user, channel) }
        return waitList.replaceNow(user: user, channel: channel, items: items)
    }

    public func invalidate(user: String) async throws {
        levelOne.withLock { $0.remove(user) }
        try await waitList.removeAll(user: user)
    }
}

/// Level 1's lists by user, then channel: a behaviour event invalidates one
/// user with one removal (kept by (user, channel) pair, every click scanned
/// all of them under the lock that takes wait for).
struct LevelOne {
    let capacity: Int
    private(set) var users: [String: [Int32: [Int64]]] = [:]
    /// Lists held, over all users.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Items the list holds.
    func count(_ user: String, _ channel: Int32) -> Int { users[user]?[channel]?.count ?? 0 }

    /// Removes and returns up to `limit` items from the front of the list.
    mutating func pop(_ user: String, _ channel: Int32, _ limit: Int) -> [Int64] {
        guard let taken = users[user]?[channel].map({ Array($0.prefix(max(limit, 0))) }), !taken.isEmpty else { return [] }
        if taken.count == users[user]?[channel]?.count {
            remove(user, channel)
        } else {
            users[user]?[channel]?.removeFirst(taken.count)
        }
        return taken
    }

    /// Puts `items` in front of what the list holds, making room first if needed.
    mutating func prepend(_ items: [Int64], _ user: String, _ channel: Int32) {
        if users[user]?[channel] == nil {
            if count >= capacity, let victim = users.first(where: { $0.key != user })?.key { remove(victim) }
            count += 1
        }
        users[user, default: [:]][channel, default: []].insert(contentsOf: items, at: 0)
    }

    mutating func remove(_ user: String, _ channel: Int32) {
        guard users[user]?.removeValue(forKey: channel) != nil else { return }
        count -= 1
        if users[user]?.isEmpty == true { users[user] = nil }
    }

    mutating func remove(_ user: String) {
        count -= users.removeValue(forKey: user)?.count ?? 0
    }
}
