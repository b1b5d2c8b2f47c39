import Foundation

/// recall@K and NDCG@K of ranked candidate lists against each user's
/// held-out positives, averaged over users with at least one.
public enum RecallEvaluation {
    public struct Scores: Sendable, Codable, Equatable {
        public let recallAt50: Double
        public let recallAt200: Double
        public let ndcgAt10: Double
        public let users: Int
    }

    public static func evaluate(lists: [Int: [Int]], holdout: [Int: Set<Int>]) -> Scores {
        var r50 = 0.0, r200 = 0.0, ndcg = 0.0, users = 0
        for (user, relevant) in holdout where !relevant.isEmpty {
            let list = lists[user] ?? []
            users += 1
            r50 += Double(list.prefix(50).filter(relevant.contains).count) / Double(relevant.count)
            r200 += Double(list.prefix(200).filter(relevant.contains).count) / Double(relevant.count)
            var dcg = 0.0
            for (rank, item) in list.prefix(10).enumerated() where relevant.contains(item) { dcg += 1 / log2(Double(rank) + 2) }
            let ideal = (0..<min(10, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
            ndcg += dcg / ideal
        }
        let n = Double(max(users, 1))
        return Scores(recallAt50: r50 / n, recallAt200: r200 / n, ndcgAt10: ndcg / n, users: users)
    }
}
