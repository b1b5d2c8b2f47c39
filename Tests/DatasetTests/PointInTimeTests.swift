import Foundation
import Dataset
import Features
import Testing
import TestSupport

@Suite("point-in-time features", .ownThread)
struct PointInTimeTests {
    static let catalog = Catalog(
        users: [1: UserProfile(id: 1, age: 30, gender: "F", occupation: "x", zipCode: "12345"),
                2: UserProfile(id: 2, age: 40, gender: "M", occupation: "y", zipCode: "A1")],
        articles: [10: ArticleInfo(id: 10, title: "a", releaseYear: "1995", genres: ["Drama"]),
                   20: ArticleInfo(id: 20, title: "b", releaseYear: "unkonwn", genres: ["Comedy", "Drama"])],
        interactions: []
    )

    static func event(_ user: Int, _ item: Int, _ rating: Double, _ time: Int64) -> Interaction {
        Interaction(user: user, item: item, ratingText: "\(Int(rating))", rating: rating, timestamp: time)
    }

    @Test("a row sees only history strictly before its second, never its own label")
    func strictlyEarlier() {
        let history = [Self.event(1, 10, 5, 100), Self.event(2, 10, 1, 200), Self.event(1, 20, 5, 200)]
        let priors = DenseFeatures.Priors(positiveRate: 0.5, meanRating: 3)
        let rows = PointInTimeReplay.rows(history: history, rows: history, catalog: Self.catalog, priors: priors)
        var empty = BehaviorStatistics(catalog: Self.catalog)
        #expect(rows[0].dense == DenseFeatures.compute(empty, user: 1, item: 10, priors: priors))
        // Both rows at t=200 see exactly the t=100 event, neither sees the other.
        empty.apply(history[0])
        #expect(rows[1].dense == DenseFeatures.compute(empty, user: 2, item: 10, priors: priors))
        #expect(rows[2].dense == DenseFeatures.compute(empty, user: 1, item: 20, priors: priors))
    }

    @Test("segment, trend and recent-genre features count what the user's segment and recent positives did")
    func segmentTrendAndGenreMatch() {
        let priors = DenseFeatures.Priors(positiveRate: 0.5, meanRating: 3)
        var stats = BehaviorStatistics(catalog: Self.catalog)
        stats.apply(Self.event(1, 10, 5, 100))  // F, 30: a positive on Drama
        stats.apply(Self.event(2, 20, 1, 200))  // M, 40: a negative on Comedy+Drama
        func logit(_ p: Double) -> Float { Float(log(p / (1 - p))) }
        let itemRate = 2.5 / 6.0                       // item 20: 0 of 1, shrunk towards 0.5 with m = 5
        let seen = (0 + 5 * itemRate) / 6              // one negative, shrunk towards the item's rate
        let forUser1 = DenseFeatures.compute(stats, user: 1, item: 20, priors: priors)
        #expect(abs(forUser1[1] - logit(itemRate)) < 1e-5)
        #expect(abs(forUser1[10] - 0.75) < 1e-6)                   // 1 of 1 recent positives shares Drama: (1 + .5) / (1 + 1)
        #expect(abs(forUser1[11] - logit(itemRate)) < 1e-5)        // no woman saw item 20
        #expect(abs(forUser1[12] - logit(itemRate)) < 1e-5)        // nobody of age bucket 25-34 either
        #expect(abs(forUser1[13] - logit(seen)) < 1e-5)            // its trend: one negative
        let forUser2 = DenseFeatures.compute(stats, user: 2, item: 20, priors: priors)
        #expect(abs(forUser2[10] - 0.5) < 1e-6)                    // no recent positives: .5 / 1
        #expect(abs(forUser2[11] - logit(seen)) < 1e-5)            // the one man who saw it did not like it
        #expect(abs(forUser2[12] - logit(seen)) < 1e-5)
    }

    @Test("the base columns follow the protocol's buckets")
    func baseColumns() {
        let space = FeatureSpace(catalog: Self.catalog)
        #expect(space.baseColumns == 2 + 2 + 7 + 2 + 2 + 2 + 10 + 2)
        let article = space.articleColumns(Self.catalog.articles[20])
        #expect(article.indices.contains(Int32(space.yearOffset)))   // "unkonwn" -> unknown
        let user = space.userColumns(Self.catalog.users[2])
        #expect(user.indices.contains(Int32(space.ageOffset + 3)))   // 40 -> bucket 3 (35-44)
    }
}
