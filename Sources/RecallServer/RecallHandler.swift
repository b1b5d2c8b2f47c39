public import Experiments
public import Logging
public import Messages
public import Pipeline
public import RPC
import Recall

/// RecallService: the published recall lists, merged per request. Serves
/// `reco.Recall/recall` (a user's candidates for a channel from the
/// strategy's recall channels) and `reco.Recall/similar`.
public struct RecallHandler: Sendable {
    let artifacts: ArtifactWatcher
    let experiments: ExperimentTable
    let logger: Logger

    public init(artifacts: ArtifactWatcher, experiments: ExperimentTable, logger: Logger) {
        self.artifacts = artifacts
        self.experiments = experiments
        self.logger = logger
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.unary("reco.Recall", "recall") { (query: FeedQuery, _) in try recall(query) }
        router.unary("reco.Recall", "similar") { (article: Article, _) in similar(article) }
        return router
    }

    /// The channels interleaved in the order the strategy lists them, each
    /// item once, tagged with the channel that produced it. A user with no
    /// personal list (new or unknown) gets the channel's hot and new lists.
    public func recall(_ query: FeedQuery) throws(RPCError) -> ItemList {
        let current = artifacts.current
        let user = Int64(query.userID) ?? -1
        var lists: [(source: Int64, items: [Int64])] = []
        for id in query.sources {
            guard let name = experiments.recallChannels[String(id)] else { throw RPCError(.invalidArgument, "unknown recall channel \(id)") }
            lists.append((id, items(name, user: user, channel: query.channelID, in: current)))
        }
        let personal = lists.contains { ["als", "content"].contains(experiments.recallChannels[String($0.source)]) && !$0.items.isEmpty }
        if !personal {
            for name in ["hot", "new"] where !lists.contains(where: { experiments.recallChannels[String($0.source)] == name }) {
                let id = experiments.recallChannels.first { $0.value == name }.flatMap { Int64($0.key) } ?? 0
                lists.append((id, items(name, user: user, channel: query.channelID, in: current)))
            }
        }
        let limit = query.count > 0 ? Int(query.count) : Int.max
        var result = ItemList(articleIDs: [], version: current.version)
        var taken: Set<Int64> = []
        for position in 0..<(lists.map(\.items.count).max() ?? 0) where result.articleIDs.count < limit {
            for list in lists where position < list.items.count && result.articleIDs.count < limit && taken.insert(list.items[position]).inserted {
                result.articleIDs.append(list.items[position])
                result.sources.append(list.source)
            }
        }
        return result
    }

    func items(_ source: String, user: Int64, channel: Int32, in current: ServingArtifacts) -> [Int64] {
        switch source {
        case "als", "content": current.recall[source, user, channel]
        case "hot", "new": current.recall[source, 0, channel]
        // The online profile and per-user similar lists come from live
        // behaviour (the real-time loop); with no events yet they are empty.
        default: []
        }
    }

    /// Up to `articleNum` nearest items, never the article itself; an
    /// unknown article has none.
    public func similar(_ article: Article) -> Similar {
        let neighbours = artifacts.current.recall["similar", article.articleID, 0].filter { $0 != article.articleID }
        return Similar(articleIDs: Array(neighbours.prefix(max(Int(article.articleNum), 0))))
    }
}
