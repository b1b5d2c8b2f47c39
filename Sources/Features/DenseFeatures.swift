import Foundation

/// The dense (numeric) ranking features of a (user, item) pair, from
/// behaviour statistics as of the moment of scoring. Priors shrink small
/// counts towards the global rates (m = 5, as in the protocol).
public enum DenseFeatures {
    public static let names = [
        "logit_user_rate", "logit_item_rate", "log1p_user_count", "log1p_item_count",
        "user_mean_rating", "item_mean_rating", "logit_user_genre_rate", "log1p_user_genre_count",
        "recent_positive_rate", "recent_mean_rating", "recent_genre_match",
        "logit_item_rate_same_gender", "logit_item_rate_same_age", "logit_item_recent_rate", "user_genre_mean_rating",
    ]
    public static var count: Int { names.count }
    static let prior = 5.0

    /// Global priors: the training positive rate and mean rating.
    public struct Priors: Sendable, Codable, Equatable {
        public var positiveRate: Double
        public var meanRating: Double

        public init(positiveRate: Double, meanRating: Double) {
            self.positiveRate = positiveRate
            self.meanRating = meanRating
        }
    }

    /// What the features need of the user, computed once per request when
    /// many items are scored for one user (SortService), and once per row
    /// offline: the same arithmetic either way.
    public struct UserContext: Sendable {
        let userRate: Double
        let userMean: Double
        /// Counts per genre index, nil for a user with none.
        let byGenre: [BehaviorStatistics.Counts]?
        /// Per genre index, which of the user's recent positives (bit i = the
        /// i-th) have that genre; and how many recent positives there are.
        let recentPositivesByGenre: [UInt64]
        let recentPositiveCount: Int
        let segment: (gender: Int, age: Int)?
        /// The columns that depend on the user alone (0, 2, 4, 8, 9), so
        /// scoring a hundred items computes their logarithms once.
        let userColumns: (rate: Float, count: Float, mean: Float, recentRate: Float, recentMean: Float)
    }

    public static func userContext(_ stats: BehaviorStatistics, user: Int, priors: Priors) -> UserContext {
        let u = stats.users[user] ?? .init()
        let p0 = priors.positiveRate, r0 = priors.meanRating, m = prior
        let userRate = (Double(u.positives) + m * p0) / (Double(u.events) + m)
        // The user's last events: drift in taste and in how they rate lately.
        let last = stats.recent[user] ?? []
        let userMean = (u.ratingSum + m * r0) / (Double(u.events) + m)
        var byGenre = [UInt64](repeating: 0, count: stats.genreCount)
        let positives = last.filter { $0.label == 1 }
        for (i, positive) in positives.enumerated() {
            for genre in stats.genres(of: positive.item) { byGenre[genre] |= 1 << UInt64(i) }
        }
        let recentRate = (Double(last.reduce(0) { $0 + $1.label }) + m * userRate) / (Double(last.count) + m)
        let recentMean = (last.reduce(0.0) { $0 + $1.rating } + m * userMean) / (Double(last.count) + m)
        return UserContext(
            userRate: userRate, userMean: userMean, byGenre: stats.userGenres[user],
            recentPositivesByGenre: byGenre, recentPositiveCount: positives.count,
            segment: stats.segment(of: user),
            userColumns: (Float(logit(userRate)), Float(log1p(Double(u.events))), Float(userMean), Float(logit(recentRate)), Float(recentMean)))
    }

    public static func compute(_ stats: BehaviorStatistics, user: Int, item: Int, priors: Priors) -> [Float] {
        compute(userContext(stats, user: user, priors: priors), stats, item: item, priors: priors)
    }

    public static func compute(_ context: UserContext, _ stats: BehaviorStatistics, item: Int, priors: Priors) -> [Float] {
        var features = [Float](repeating: 0, count: count)
        write(context, stats, item: item, priors: priors, into: &features)
        return features
    }

    /// `compute` into a buffer of `count` values the caller reuses across
    /// items (SortService scores a hundred per request).
    public static func write(_ context: UserContext, _ stats: BehaviorStatistics, item: Int, priors: Priors, into features: inout [Float]) {
        stats.withItemState(item) { state in write(context, state, priors: priors, into: &features) }
    }

    /// Reads the item's state in place: no copy of its arrays per candidate.
    private static func write(_ context: UserContext, _ state: borrowing BehaviorStatistics.ItemState, priors: Priors, into features: inout [Float]) {
        let i = state.counts
        let p0 = priors.positiveRate, r0 = priors.meanRating, m = prior
        let userRate = context.userRate
        let itemRate = (Double(i.positives) + m * p0) / (Double(i.events) + m)
        // Affinity to the item's genres: the user's smoothed rate on each, averaged;
        // and the recent positives sharing at least one genre with the item.
        let genreCount = state.genres.count
        var genreRate = userRate, genreTotal = 0.0, genreMean = context.userMean
        var sharing: UInt64 = 0
        for k in 0..<genreCount { sharing |= context.recentPositivesByGenre[state.genres[k]] }
        if genreCount > 0, let byGenre = context.byGenre {
            var rateSum = 0.0, countSum = 0.0, meanSum = 0.0
            for k in 0..<genreCount {
                let c = byGenre[state.genres[k]]
                rateSum += (Double(c.positives) + m * userRate) / (Double(c.events) + m)
                countSum += Double(c.events)
                meanSum += (c.ratingSum + m * context.userMean) / (Double(c.events) + m)
            }
            genreRate = rateSum / Double(genreCount)
            genreTotal = countSum / Double(genreCount)
            genreMean = meanSum / Double(genreCount)
        }
        // The item among users like this one (same gender, same age bucket), and lately.
        func segmentRate(_ c: BehaviorStatistics.Counts) -> Double {
            (Double(c.positives) + m * itemRate) / (Double(c.events) + m)
        }
        var sameGender = segmentRate(.init()), sameAge = sameGender
        if let segment = context.segment {
            sameGender = segmentRate(state.byGender[segment.gender])
            sameAge = segmentRate(state.byAge[segment.age])
        }
        let trend = state.recentLabels
        let recentItemRate = (Double(trend.positives) + m * itemRate) / (Double(trend.count) + m)
        let genreMatch = (Double(sharing.nonzeroBitCount) + 0.5) / (Double(context.recentPositiveCount) + 1)
        features[0] = context.userColumns.rate
        features[1] = Float(logit(itemRate))
        features[2] = context.userColumns.count
        features[3] = Float(log1p(Double(i.events)))
        features[4] = context.userColumns.mean
        features[5] = Float((i.ratingSum + m * r0) / (Double(i.events) + m))
        features[6] = Float(logit(genreRate))
        features[7] = Float(log1p(genreTotal))
        features[8] = context.userColumns.recentRate
        features[9] = context.userColumns.recentMean
        features[10] = Float(genreMatch)
        features[11] = Float(logit(sameGender))
        features[12] = Float(logit(sameAge))
        features[13] = Float(logit(recentItemRate))
        features[14] = Float(genreMean)
    }

    static func logit(_ p: Double) -> Double {
        let q = min(max(p, 1e-6), 1 - 1e-6)
        return log(q / (1 - q))
    }
}

/// Z-scores dense columns with the training rows' mean and standard
/// deviation; stored with the model so serving scales exactly the same way.
public struct Standardizer: Sendable, Codable, Equatable {
    public var mean: [Float]
    public var scale: [Float]

    public init(mean: [Float], scale: [Float]) {
        self.mean = mean
        self.scale = scale
    }

    public init(fitting rows: [[Float]]) {
        let width = rows.first?.count ?? 0
        var mean = [Double](repeating: 0, count: width), square = [Double](repeating: 0, count: width)
        for row in rows {
            for (j, x) in row.enumerated() {
                mean[j] += Double(x)
                square[j] += Double(x) * Double(x)
            }
        }
        let n = Double(max(rows.count, 1))
        self.mean = mean.map { Float($0 / n) }
        scale = zip(mean, square).map { sum, sq in
            let variance = max(sq / n - (sum / n) * (sum / n), 0)
            return variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1
        }
    }

    public func apply(_ row: [Float]) -> [Float] {
        var row = row
        standardize(&row)
        return row
    }

    /// `apply` in place, for a buffer reused across rows.
    public func standardize(_ row: inout [Float]) {
        for j in 0..<min(row.count, mean.count, scale.count) { row[j] = (row[j] - mean[j]) * scale[j] }
    }
}
