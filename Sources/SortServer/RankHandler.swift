public import Experiments
import Features
public import Logging
public import Messages
import Models
public import Pipeline
public import RPC
import Synchronization

/// SortService: scores candidates with the strategy's model over the user's
/// and each item's features, through `RankingModel.score`, the very path the
/// offline evaluation uses, so served and offline scores are equal.
public final class RankHandler: Sendable {
    let artifacts: ArtifactWatcher
    let experiments: ExperimentTable
    let logger: Logger
    /// Behaviour statistics as of the loaded version's events, rebuilt when
    /// the version changes.
    let statistics = Mutex<(version: String, stats: BehaviorStatistics)?>(nil)

    public init(artifacts: ArtifactWatcher, experiments: ExperimentTable, logger: Logger) {
        self.artifacts = artifacts
        self.experiments = experiments
        self.logger = logger
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.unary("reco.Sort", "rank") { (query: FeedQuery, _) in try self.rank(query) }
        return router
    }

    func stats(for current: ServingArtifacts) -> BehaviorStatistics {
        if let cached = statistics.withLock({ $0 }), cached.version == current.version { return cached.stats }
        var stats = BehaviorStatistics(catalog: current.catalog)
        for event in current.catalog.interactions.sorted(by: { $0.timestamp < $1.timestamp }) { stats.apply(event) }
        statistics.withLock { $0 = (current.version, stats) }
        return stats
    }

    /// Candidates best first, with their click probabilities.
    public func rank(_ query: FeedQuery) throws(RPCError) -> ItemList {
        let current = artifacts.current
        guard let name = experiments.sortModels[String(query.model)] else { throw RPCError(.invalidArgument, "unknown sort model \(query.model)") }
        guard let model = current.models[name] else { throw RPCError(.failedPrecondition, "model \(name) is not in version \(current.version)") }
        let stats = stats(for: current)
        let userID = Int(query.userID) ?? -1
        let profile = current.catalog.users[userID]
        let scored = query.articleIDs.map { item in
            (item, Double(model.score(user: profile, article: current.catalog.articles[Int(item)], userID: userID, itemID: Int(item), stats: stats)))
        }.sorted { ($0.1, -$0.0) > ($1.1, -$1.0) }
        return ItemList(articleIDs: scored.map(\.0), scores: scored.map(\.1), version: "\(current.version)/\(name)")
    }
}
