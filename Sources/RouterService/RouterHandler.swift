import CoreMetrics
import Experiments
import Foundation
public import Logging
public import Messages
public import RPC
import ServiceRuntime
public import Stores

/// ABRouter, the public front door: validates the request, assigns the
/// user's strategy, asks RecoCenter for the batch and adds the tracking
/// parameters. Serves `UserRecommend/user_recommend` and `article_recommend`.
public struct RouterHandler: Sendable {
    public struct Limits: Sendable {
        public var maxChannelID: Int32 = 19
        public var maxArticleNum: Int32 = 200
        public var defaultBudget: Duration = .milliseconds(300)
        public init() {}
    }

    let experiments: ExperimentConfig
    let feed: RPCClient
    let recall: RPCClient
    let channelLists: (any ChannelLists)?
    let limits: Limits
    let logger: Logger

    /// `channelLists`: where degraded answers come from first (the Redis
    /// store's published hot and new lists); RecallService otherwise.
    public init(experiments: ExperimentConfig, feed: RPCClient, recall: RPCClient, channelLists: (any ChannelLists)? = nil, limits: Limits, logger: Logger) {
        self.experiments = experiments
        self.channelLists = channelLists
        self.feed = feed
        self.recall = recall
        self.limits = limits
        self.logger = logger
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.unary("UserRecommend", "user_recommend") { (user: User, context) in try await userRecommend(user, context: context) }
        router.unary("UserRecommend", "article_recommend") { (article: Article, context) in try await articleRecommend(article, context: context) }
        return router
    }

    /// Before this (2001-09-09 in ms) a time is taken for seconds, not milliseconds.
    static let earliestMilliseconds: Int64 = 1_000_000_000_000

    func validate(_ user: User) throws(RPCError) {
        guard user.userID.utf8.count <= 128 else { throw RPCError(.invalidArgument, "user_id: at most 128 bytes, got \(user.userID.utf8.count)") }
        guard (0...limits.maxChannelID).contains(user.channelID) else {
            throw RPCError(.invalidArgument, "channel_id: must be 0...\(limits.maxChannelID), got \(user.channelID)")
        }
        guard (1...limits.maxArticleNum).contains(user.articleNum) else {
            throw RPCError(.invalidArgument, "article_num: must be 1...\(limits.maxArticleNum), got \(user.articleNum)")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        guard user.timeStamp >= Self.earliestMilliseconds, user.timeStamp <= now + 86_400_000 else {
            throw RPCError(.invalidArgument, "time_stamp: milliseconds since the epoch, not in the future, got \(user.timeStamp)")
        }
    }

    public func userRecommend(_ user: User, context: ServerContext) async throws(RPCError) -> TrackedBatch {
        // Anonymous pulls get an empty answer (reference behaviour).
        if user.userID.isEmpty { return TrackedBatch(user: "", strategy: "", items: [], timeStamp: 0, exposure: false) }
        try validate(user)
        let assignment = experiments.current.assign(user: user.userID)
        let metadata = context.trace.metadata
        let log = logger.forRequest(context)
        let budget = context.remaining(share: 0.9) ?? limits.defaultBudget
        let query = FeedQuery(userID: user.userID, channelID: user.channelID, count: user.articleNum, sources: assignment.recall,
                              model: assignment.sort.first ?? 0, timeStamp: user.timeStamp, strategy: assignment.name)
        var items: ItemList
        do {
            items = try await feed.unary("/reco.Feed/feed", query, timeout: budget * 0.8, metadata: metadata)
        } catch {
            if error.code == .invalidArgument { throw error }
            // RecoCenter down or late: the channel's hot and new items,
            // unranked and unrecorded, rather than no answer.
            log.error("RecoCenter: \(error); answering from hot and new")
            Counter(label: "reco_degraded_total", dimensions: [("cause", "feed")]).increment()
            items = try await hotAndNew(user, context: context, metadata: metadata, log: log)
        }
        if !items.degraded.isEmpty { log.warning("degraded answer", metadata: ["causes": "\(items.degraded.joined(separator: ","))"]) }
        return TrackedBatch(user: user.userID, strategy: assignment.name, items: items.articleIDs, timeStamp: items.timeStamp, exposure: !items.fromHistory)
    }

    /// The channel's hot and new items, unranked and unrecorded: from the
    /// shared channel lists when there are some, else from RecallService.
    func hotAndNew(_ user: User, context: ServerContext, metadata: Metadata, log: RequestLogger) async throws(RPCError) -> ItemList {
        if let channelLists {
            do {
                let items = try await channelLists.hotAndNew(channel: user.channelID, count: Int(user.articleNum))
                if !items.isEmpty { return ItemList(articleIDs: items, degraded: ["feed"]) }
            } catch {
                log.error("channel lists: \(error)")
            }
        }
        let fallback = FeedQuery(userID: "", channelID: user.channelID, count: user.articleNum, sources: experiments.current.sourceIDs(["hot", "new"]))
        do {
            var items: ItemList = try await recall.unary("/reco.Recall/recall", fallback, timeout: max(context.remaining(share: 0.9) ?? limits.defaultBudget * 0.2, .milliseconds(1)), metadata: metadata)
            items.degraded = ["feed"]
            return items
        } catch {
            log.error("RecallService: \(error)")
            throw RPCError(.unavailable, "recommendation center unavailable")
        }
    }

    public func articleRecommend(_ article: Article, context: ServerContext) async throws(RPCError) -> Similar {
        guard (1...limits.maxArticleNum).contains(article.articleNum) else {
            throw RPCError(.invalidArgument, "article_num: must be 1...\(limits.maxArticleNum), got \(article.articleNum)")
        }
        do {
            return try await recall.unary("/reco.Recall/similar", article, timeout: context.remaining(share: 0.9) ?? limits.defaultBudget,
                                          metadata: context.trace.metadata)
        } catch {
            logger.forRequest(context).error("RecallService: \(error)")
            throw RPCError(.unavailable, "similar items unavailable")
        }
    }
}
