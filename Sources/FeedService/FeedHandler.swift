import CoreMetrics
import Foundation
public import Logging
public import Messages
public import RPC
import ServiceRuntime
public import Stores
import Synchronization

/// RecoCenter: decides between a refresh and a history page, and for a
/// refresh serves the cache or runs recall -> filter -> rank, writes the
/// batch to history (durably, before answering) and parks the rest in the
/// wait list. Every dependency has its share of the caller's deadline; one
/// that fails or is late degrades the answer instead of failing it.
public final class FeedHandler: Sendable {
    public struct Dependencies: Sendable {
        public let recall: RPCClient
        public let sort: RPCClient
        public let cache: RPCClient

        public init(recall: RPCClient, sort: RPCClient, cache: RPCClient) {
            self.recall = recall
            self.sort = sort
            self.cache = cache
        }
    }

    let history: any HistoryStore
    let dependencies: Dependencies
    let logger: Logger
    let recallCount: Int32
    /// The most candidates one refresh asks recall for, however long the history.
    let maxRecallAsk = 2_000
    let defaultBudget: Duration
    /// Hot and new lists per channel, refreshed from RecallService, served
    /// when RecallService cannot answer.
    let fallback = Mutex<[Int32: [Int64]]>([:])
    public let degradations = DegradationCounter()
    /// One request at a time per user.
    let serializer = KeyedSerializer()
    /// What this RecoCenter left in each wait list: a list known empty is not asked.
    let parked = ParkedItems()
    /// How long a refresh waits for its batch to be durable (the group
    /// commit's queue and fsync): `history_append_seconds`.
    let appendLatency = CoreMetrics.Timer(label: "history_append_seconds")

    public init(history: any HistoryStore, dependencies: Dependencies, logger: Logger, recallCount: Int32 = 100, defaultBudget: Duration = .milliseconds(300)) {
        self.history = history
        self.dependencies = dependencies
        self.logger = logger
        self.recallCount = recallCount
        self.defaultBudget = defaultBudget
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.unary("reco.Feed", "feed") { (query: FeedQuery, context) in try await self.feed(query, context: context) }
        return router
    }

    public func feed(_ query: FeedQuery, context: ServerContext) async throws(RPCError) -> ItemList {
        let log = logger.forRequest(context)
        let deadline = ContinuousClock.now + (context.remaining() ?? defaultBudget)
        let metadata = context.trace.metadata
        let user = query.userID, channel = query.channelID
        do {
            return try await serializer.run(user) {
                try await answer(query, user: user, channel: channel, deadline: deadline, metadata: metadata, log: log)
            }
        } catch let error as StoreError {
            log.error("history store: \(error)")
            throw RPCError(.unavailable, "history store unavailable")
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(from: error)
        }
    }

    /// A history page or a refresh; runs alone for its user.
    func answer(_ query: FeedQuery, user: String, channel: Int32, deadline: ContinuousClock.Instant, metadata: Metadata, log: RequestLogger) async throws -> ItemList {
        let view = try await history.view(user: user, channel: channel)
        let last = view.newest
        if let last, query.timeStamp <= last {
            // History: the batch at or before the time asked, and where to page next.
            guard let batch = try await history.batch(user: user, channel: channel, atOrBefore: query.timeStamp) else {
                return ItemList(articleIDs: [], timeStamp: 0, fromHistory: true)
            }
            return ItemList(articleIDs: batch.items, timeStamp: batch.previousTime, fromHistory: true)
        }
        var result = try await refresh(query, history: view, deadline: deadline, metadata: metadata, log: log)
        if !result.articleIDs.isEmpty {
            let started = ContinuousClock.now
            try await history.append(user: user, channel: channel, time: query.timeStamp, items: result.articleIDs)
            appendLatency.recordNanoseconds(started.duration(to: .now).nanoseconds)
        }
        result.timeStamp = last ?? 0
        return result
    }

    func refresh(_ query: FeedQuery, history: HistoryView, deadline: ContinuousClock.Instant, metadata: Metadata, log: RequestLogger) async throws -> ItemList {
        let want = Int(query.count)
        var degraded: [String] = []
        func budget(_ share: Double) -> Duration { max(ContinuousClock.now.duration(to: deadline) * share, .milliseconds(1)) }
        func degrade(_ cause: String, _ error: any Error) {
            degraded.append(cause)
            degradations.count(cause)
            log.warning("degraded: \(cause): \(error)")
        }

        // 1. The cache, minus what history shows: an item shown in channel 0
        // since the ranking, or a wait list that lost its last takes in a crash.
        // A channel the user was never served has no cache (a ranking is
        // parked only by a refresh that also writes history), nor has one
        // whose list this RecoCenter emptied: no call.
        var items: [Int64] = []
        if history.newest != nil && !parked.knownEmpty(user: query.userID, channel: query.channelID) {
            do {
                let cached: ItemList = try await dependencies.cache.unary(
                    "/reco.Cache/take", FeedQuery(userID: query.userID, channelID: query.channelID, count: query.count),
                    timeout: budget(0.15), metadata: metadata)
                parked.took(cached.articleIDs.count, asked: want, user: query.userID, channel: query.channelID)
                items = cached.articleIDs.filter { !history.wasShown($0) }
            } catch {
                degrade("cache", error)
            }
        }
        if items.count >= want { return ItemList(articleIDs: items, degraded: degraded) }

        // 2. Recall, minus what this channel and the all-channels feed showed,
        // `recallCount` of them (or the `want` asked, if more): asked for as
        // many more as history could filter out, so that the user runs out
        // only when the recall lists do, not once their first `recallCount`
        // items have been shown.
        let fresh = max(Int(recallCount), want)
        var candidates: [Int64]
        do {
            let recalled: ItemList = try await dependencies.recall.unary(
                "/reco.Recall/recall",
                FeedQuery(userID: query.userID, channelID: query.channelID, count: recallAsk(fresh: fresh, shown: history), sources: query.sources, strategy: query.strategy),
                timeout: budget(0.4), metadata: metadata)
            candidates = recalled.articleIDs
        } catch {
            degrade("recall", error)
            candidates = fallback.withLock { $0[query.channelID] ?? [] }
        }
        candidates = Array(candidates.lazy.filter { !history.wasShown($0) && !items.contains($0) }.prefix(fresh))

        // 3. Rank with the strategy's model; unranked recall order if that fails.
        if !candidates.isEmpty && !degraded.contains("recall") {
            do {
                let ranked: ItemList = try await dependencies.sort.unary(
                    "/reco.Sort/rank",
                    FeedQuery(userID: query.userID, channelID: query.channelID, articleIDs: candidates, model: query.model, timeStamp: query.timeStamp),
                    timeout: budget(0.6), metadata: metadata)
                candidates = ranked.articleIDs
            } catch {
                degrade("sort", error)
            }
        }
        let served = items + candidates.prefix(want - items.count)
        let rest = Array(candidates.dropFirst(want - items.count))
        // The rest waits for the next refreshes, replacing any older ranking;
        // nobody waits for the write. Nothing left means nothing to send: a
        // take that came back short emptied the cache, and a channel never
        // served has none.
        if !rest.isEmpty {
            parked.parked(rest.count, user: query.userID, channel: query.channelID)
            let logger = log
            dependencies.cache.send("/reco.Cache/put", FeedQuery(userID: query.userID, channelID: query.channelID, articleIDs: rest),
                                    timeout: .milliseconds(500), metadata: metadata) { status in
                if status.code != .ok { logger.warning("wait list not stored: \(status)") }
            }
        }
        return ItemList(articleIDs: Array(served), degraded: degraded)
    }

    /// `fresh` candidates beyond what `history` may remove from the recall
    /// lists (each shown item at most once), up to `maxRecallAsk`.
    func recallAsk(fresh: Int, shown history: HistoryView) -> Int32 {
        Int32(min(fresh + history.shownInChannel.count + history.shownInAllChannels.count, maxRecallAsk))
    }

    /// Background upkeep until the task is cancelled: the fallback lists every
    /// `interval`, and history past its retention dropped every hour.
    public func maintain(channels: ClosedRange<Int32>, hotAndNew: [Int64], interval: Duration = .seconds(10)) -> Task<Void, Never> {
        Task {
            var lastPurge = ContinuousClock.now - .seconds(3600)
            while !Task.isCancelled {
                await refreshFallback(channels: channels, hotAndNew: hotAndNew)
                if lastPurge.duration(to: .now) >= .seconds(3600) {
                    lastPurge = .now
                    let cutoff = Int64(Date().timeIntervalSince1970) - historyRetentionSeconds
                    if let dropped = try? await history.purge(recordedBefore: cutoff), dropped > 0 {
                        logger.info("history: dropped \(dropped) batches past retention")
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Fetches the hot+new fallback of every channel from RecallService.
    public func refreshFallback(channels: ClosedRange<Int32>, hotAndNew: [Int64]) async {
        for channel in channels {
            do {
                let list: ItemList = try await dependencies.recall.unary(
                    "/reco.Recall/recall", FeedQuery(userID: "", channelID: channel, count: recallCount, sources: hotAndNew), timeout: .seconds(1))
                fallback.withLock { $0[channel] = list.articleIDs }
            } catch {
                logger.debug("fallback lists not refreshed: \(error)")
                return
            }
        }
    }
}

/// Degraded answers by cause, counted here for in-process readers and as
/// `reco_degraded_total` through swift-metrics.
public final class DegradationCounter: Sendable {
    let counts = Mutex<[String: Int]>([:])

    public func count(_ cause: String) {
        counts.withLock { $0[cause, default: 0] += 1 }
        Counter(label: "reco_degraded_total", dimensions: [("cause", cause)]).increment()
    }
    public var snapshot: [String: Int] { counts.withLock { $0 } }
}
