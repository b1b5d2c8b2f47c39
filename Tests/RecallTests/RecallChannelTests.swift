import Dataset
import Foundation
import Recall
import Testing
import TestSupport

@Suite("recall channels", .ownThread)
struct RecallChannelTests {
    /// Two taste groups: users 1-20 like items 1-10 (Drama), users 21-40 like 11-20 (Comedy).
    static let catalog: Catalog = {
        var articles: [Int: ArticleInfo] = [:]
        for id in 1...20 { articles[id] = ArticleInfo(id: id, title: "t\(id)", releaseYear: "1995", genres: [id <= 10 ? "Drama" : "Comedy"]) }
        var users: [Int: UserProfile] = [:]
        for id in 1...40 { users[id] = UserProfile(id: id, age: 30, gender: "F", occupation: "x", zipCode: "1") }
        var events: [Interaction] = []
        var t: Int64 = 1_000
        for user in 1...40 {
            let liked = user <= 20 ? Array(1...10) : Array(11...20)
            // Each user rates 7 of the 10 items of their group, all positively.
            for item in liked where (item + user) % 10 < 7 {
                t += 10
                events.append(Interaction(user: user, item: item, ratingText: "5", rating: 5, timestamp: t))
            }
        }
        return Catalog(users: users, articles: articles, interactions: events)
    }()

    /// Few factors: on 20 items, 32 would give every item its own direction
    /// and make cosine neighbours meaningless.
    static let channels: RecallChannels = {
        var settings = ImplicitALS.Settings()
        settings.factors = 4
        return RecallChannels(catalog: catalog, history: catalog.interactions, settings: settings)
    }()

    @Test("ALS recalls the unseen items of the user's own taste group first")
    func alsFollowsTaste() {
        for user in [1, 7, 25, 33] {
            let candidates = Self.channels.alsCandidates(user: user, channel: 0, k: 3)
            let group = user <= 20 ? 1...10 : 11...20
            #expect(candidates.count == 3)
            #expect(candidates.allSatisfy { group.contains($0) }, "user \(user): \(candidates)")
            let seen = Set(Self.catalog.interactions.filter { $0.user == user }.map(\.item))
            #expect(seen.isDisjoint(with: candidates))
        }
    }

    @Test("ALS trained twice on the same events gives the same factors, bit for bit (published recall lists are reproducible)")
    func alsIsReproducible() {
        let observations = Self.catalog.interactions.map { (user: $0.user, item: $0.item, strength: Double($0.rating)) }
        var settings = ImplicitALS.Settings()
        settings.factors = 8
        settings.iterations = 3
        let first = ImplicitALS(observations: observations, settings: settings)
        // Dictionaries of the same contents can list them in different orders
        // (their hash seeds differ per storage); sums over them must not depend on it.
        for _ in 0..<5 {
            let again = ImplicitALS(observations: observations, settings: settings)
            let users = first.userFactors.keys.filter { again.userFactors[$0] != first.userFactors[$0] }
            let items = first.itemFactors.keys.filter { again.itemFactors[$0] != first.itemFactors[$0] }
            #expect(users.isEmpty && items.isEmpty, "factors differ for \(users.count) users and \(items.count) items")
        }
    }

    @Test("content recall follows the genre profile and respects the channel")
    func contentFollowsGenres() {
        let drama = Self.catalog.channels.firstIndex(of: "Drama")! + 1
        let comedy = Self.catalog.channels.firstIndex(of: "Comedy")! + 1
        #expect(Self.channels.contentCandidates(user: 1, channel: 0, k: 10).allSatisfy { $0 <= 10 })
        #expect(Self.channels.contentCandidates(user: 1, channel: comedy, k: 10).isEmpty)
        #expect(Self.channels.newCandidates(user: 1, channel: drama, k: 50).allSatisfy { $0 <= 10 })
    }

    @Test("similar items share the taste group and never include the item itself")
    func similarItems() {
        let similar = Self.channels.similar(to: 3, k: 5)
        #expect(!similar.contains(3))
        #expect(similar.allSatisfy { $0 <= 10 }, "\(similar)")
        #expect(Self.channels.similar(to: 999, k: 5).isEmpty)
    }

    @Test("merging interleaves the channels, drops repeats and says where each item came from")
    func merge() {
        let merged = RecallChannels.interleave([[1, 2, 3], [2, 4], [5]])
        #expect(merged.items == [1, 2, 5, 4, 3])
        #expect(merged.from == [0, 1, 2, 1, 0])
        let first = RecallChannels.interleave([[1, 2, 3], [2, 4], [5]], limit: 4)
        #expect(first.items == [1, 2, 5, 4] && first.from == [0, 1, 2, 1])
        #expect(RecallChannels.interleave([[Int]]()).items.isEmpty)
    }

    @Test("recall@K and NDCG@10 count hits against the holdout")
    func evaluation() {
        let scores = RecallEvaluation.evaluate(lists: [1: [5, 6, 7], 2: [9]], holdout: [1: [6, 8], 2: [9]])
        #expect(scores.users == 2)
        #expect(abs(scores.recallAt50 - 0.75) < 1e-12)
        let user1 = (1 / log2(3.0)) / (1 + 1 / log2(3.0))
        #expect(abs(scores.ndcgAt10 - (user1 + 1) / 2) < 1e-12)
    }
}
