import Dataset
import Features
import Testing

@Suite("point-in-time features")
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
