public import Experiments
public import Features
import Dataset
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
    /// What scoring needs per version, rebuilt when the version changes:
    /// behaviour statistics as of its events, and each model's article columns.
    struct Prepared: Sendable {
        let version: String
        var stats: BehaviorStatistics
        let articleColumns: [String: [Int64: FeatureVector]]
    }
    let prepared = Mutex<Prepared?>(nil)
    /// Live events folded into the statistics so far, re-applied when a new
    /// version's statistics are built (kept in memory: one small value per event).
    let liveInteractions = Mutex<[Interaction]>([])

    /// Folds live behaviour into the ranking statistics: the same
    /// `BehaviorStatistics.apply` the offline replay uses.
    public func observe(_ events: [BehaviorEvent]) {
        let interactions = events.compactMap(\.interaction)
        guard !interactions.isEmpty else { return }
        // Lock order: prepared, then liveInteractions (as in `prepare`), so no
        // event is missed by a version being built at the same time.
        prepared.withLock { state in
            liveInteractions.withLock { $0 += interactions }
            for interaction in interactions { state?.stats.apply(interaction) }
        }
    }

    public init(artifacts: ArtifactWatcher, experiments: ExperimentTable, logger: Logger) {
        self.artifacts = artifacts
        self.experiments = experiments
        self.logger = logger
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.immediateUnary("reco.Sort", "rank") { (query: FeedQuery, _) in try self.rank(query) }
        return router
    }

    /// Builds the current version's statistics now (at start and on each new
    /// version, off the event loop) rather than in the first call that needs them.
    public func warmUp() {
        _ = prepare(artifacts.current)
    }

    func prepare(_ current: ServingArtifacts) -> Prepared {
        if let cached = prepared.withLock({ $0 }), cached.version == current.version { return cached }
        var stats = BehaviorStatistics(catalog: current.catalog)
        for event in current.catalog.interactions.sorted(by: { $0.timestamp < $1.timestamp }) { stats.apply(event) }
        let columns = current.models.mapValues { model in
            Dictionary(uniqueKeysWithValues: current.catalog.articles.map { (Int64($0.key), model.space.articleColumns($0.value)) })
        }
        return prepared.withLock { state in
            if let built = state, built.version == current.version { return built }
            for event in liveInteractions.withLock({ $0 }) { stats.apply(event) }
            let next = Prepared(version: current.version, stats: stats, articleColumns: columns)
            state = next
            return next
        }
    }

    /// Runs `body` over the statistics as of `current` under the lock
    /// `observe` takes. A copy held while scoring outside it would make every
    /// event batch applied meanwhile copy all the statistics (copy-on-write)
    /// instead of updating them in place.
    func scoring<T>(_ current: ServingArtifacts, _ body: (Prepared) -> T) -> T {
        _ = prepare(current)  // built if needed; the copy it returns is dropped here
        let result = prepared.withLock { state -> T? in
            guard let state, state.version == current.version else { return nil }
            return body(state)
        }
        // A newer version was built in between (rare): this call's own copy.
        return result ?? body(prepare(current))
    }

    /// Candidates best first, with their click probabilities.
    public func rank(_ query: FeedQuery) throws(RPCError) -> ItemList {
        let current = artifacts.current
        guard let name = experiments.sortModels[String(query.model)] else { throw RPCError(.invalidArgument, "unknown sort model \(query.model)") }
        guard let model = current.models[name] else { throw RPCError(.failedPrecondition, "model \(name) is not in version \(current.version)") }
        let userID = Int(query.userID) ?? -1
        let probabilities = scoring(current) { state in
            let columns = state.articleColumns[name] ?? [:]
            return model.scores(user: current.catalog.users[userID], userID: userID,
                                articles: query.articleIDs.map { (Int($0), columns[$0] ?? FeatureVector()) }, stats: state.stats)
        }
        let scored = zip(query.articleIDs, probabilities.map(Double.init)).sorted { higherScoreFirst($0, $1) }
        return ItemList(articleIDs: scored.map(\.0), scores: scored.map(\.1), version: "\(current.version)/\(name)")
    }
}
