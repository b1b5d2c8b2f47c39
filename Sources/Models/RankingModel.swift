public import Dataset
public import Features
import Foundation

/// What SortService loads: the feature layout, the priors and scaling of the
/// dense statistics, and the machines (one, or several trained with different
/// seeds whose logits are averaged). `probability` is the one scoring path,
/// used by the offline evaluation and online alike.
public struct RankingModel: Sendable, Codable, Equatable {
    public let name: String
    public let space: FeatureSpace
    public let priors: DenseFeatures.Priors
    public let standardizer: Standardizer
    public let machines: [FactorizationMachine]
    /// The machines laid out for serving; derived, not stored in the artifact.
    let scorers: [FactorScorer]

    enum CodingKeys: String, CodingKey {
        case name, space, priors, standardizer, machines
    }

    public init(name: String, space: FeatureSpace, priors: DenseFeatures.Priors, standardizer: Standardizer, machines: [FactorizationMachine]) {
        precondition(!machines.isEmpty, "a model needs a machine")
        self.name = name
        self.space = space
        self.priors = priors
        self.standardizer = standardizer
        self.machines = machines
        scorers = machines.map(FactorScorer.init)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let machines = try container.decode([FactorizationMachine].self, forKey: .machines)
        guard !machines.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .machines, in: container, debugDescription: "a model needs a machine")
        }
        self.init(name: try container.decode(String.self, forKey: .name), space: try container.decode(FeatureSpace.self, forKey: .space),
                  priors: try container.decode(DenseFeatures.Priors.self, forKey: .priors),
                  standardizer: try container.decode(Standardizer.self, forKey: .standardizer), machines: machines)
    }

    /// The click probability of a full row: the machines' mean logit.
    public func probability(_ row: FeatureVector) -> Float {
        let logit = machines.reduce(Float(0)) { $0 + $1.logit(row) } / Float(machines.count)
        return 1 / (1 + exp(-logit))
    }

    public func row(user: FeatureVector, article: FeatureVector, dense: [Float]) -> FeatureVector {
        space.row(user: user, article: article, dense: standardizer.apply(dense))
    }

    /// Click probability of `item` for `user` given the behaviour statistics now.
    public func score(user: UserProfile?, article: ArticleInfo?, userID: Int, itemID: Int, stats: BehaviorStatistics) -> Float {
        scores(user: user, userID: userID, articles: [(itemID, space.articleColumns(article))], stats: stats)[0]
    }

    /// Click probabilities of many items for one user: the user's columns and
    /// statistics are computed once. `articles`: item id and its base columns
    /// (`space.articleColumns`, which a server can keep per version).
    public func scores(user: UserProfile?, userID: Int, articles: [(id: Int, columns: FeatureVector)], stats: BehaviorStatistics) -> [Float] {
        let context = DenseFeatures.userContext(stats, user: userID, priors: priors)
        // The user's columns once per machine; per item only its own columns.
        let userColumns = space.userColumns(user)
        let shared = scorers.map { $0.partial(userColumns) }
        // The dense columns are the same for every item: only their values change.
        var dense = FeatureVector(indices: (0..<space.denseCount).map { Int32(space.denseOffset + $0) },
                                  values: [Float](repeating: 0, count: space.denseCount))
        var scratch: [FactorScorer.Lane] = []
        // A loop by index rather than a map over copies of the items, with
        // the working buffers as locals rather than boxes a closure captured.
        var probabilities = [Float](repeating: 0, count: articles.count)
        for index in articles.indices {
            DenseFeatures.write(context, stats, item: articles[index].id, priors: priors, into: &dense.values)
            standardizer.standardize(&dense.values)
            var logit: Float = 0
            for k in scorers.indices { logit += scorers[k].logit(shared[k], plus: articles[index].columns, dense, scratch: &scratch) }
            probabilities[index] = 1 / (1 + exp(-logit / Float(scorers.count)))
        }
        return probabilities
    }
}
