public import Dataset
public import Features

/// What SortService loads: the feature layout, the priors and scaling of the
/// dense statistics, and the machine. `score` is the one scoring path, used
/// by the offline evaluation and online alike.
public struct RankingModel: Sendable, Codable, Equatable {
    public let name: String
    public let space: FeatureSpace
    public let priors: DenseFeatures.Priors
    public let standardizer: Standardizer
    public let machine: FactorizationMachine

    public init(name: String, space: FeatureSpace, priors: DenseFeatures.Priors, standardizer: Standardizer, machine: FactorizationMachine) {
        self.name = name
        self.space = space
        self.priors = priors
        self.standardizer = standardizer
        self.machine = machine
    }

    public func row(user: FeatureVector, article: FeatureVector, dense: [Float]) -> FeatureVector {
        space.row(user: user, article: article, dense: standardizer.apply(dense))
    }

    /// Click probability of `item` for `user` given the behaviour statistics now.
    public func score(user: UserProfile?, article: ArticleInfo?, userID: Int, itemID: Int, stats: BehaviorStatistics) -> Float {
        let dense = DenseFeatures.compute(stats, user: userID, item: itemID, priors: priors)
        return machine.probability(row(user: space.userColumns(user), article: space.articleColumns(article), dense: dense))
    }
}
