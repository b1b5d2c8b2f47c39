import Foundation
import Models
import Testing
import TestSupport

@Suite("ranking metrics", .ownThread)
struct RankingMetricsTests {
    @Test("AUC counts tied scores as half")
    func aucWithTies() {
        // Pairs (pos, neg): (0.8 vs 0.1) win, (0.8 vs 0.4) win, (0.4 vs 0.1) win, (0.4 vs 0.4) tie.
        #expect(RankingMetrics.auc(labels: [1, 0, 1, 0], scores: [0.8, 0.1, 0.4, 0.4]) == 3.5 / 4)
        #expect(RankingMetrics.auc(labels: [1, 1, 0], scores: [0.9, 0.8, 0.1]) == 1)
        #expect(RankingMetrics.auc(labels: [1, 1], scores: [0.9, 0.8]) == nil)
    }

    @Test("GAUC averages per-user AUC over users with both classes; weighted by rows")
    func gauc() {
        let result = RankingMetrics.gauc(
            users: [1, 1, 2, 2, 2, 3],
            labels: [1, 0, 0, 1, 0, 1],
            scores: [0.9, 0.1, 0.5, 0.4, 0.3, 0.5]
        )
        // User 1: AUC 1; user 2: positive 0.4 beats 0.3, loses to 0.5 -> 0.5; user 3 has one class.
        #expect(result.users == 2)
        #expect(abs(result.gauc - 0.75) < 1e-12)
        #expect(abs(result.weighted - (1 * 2 + 0.5 * 3) / 5) < 1e-12)
    }

    @Test("logloss clips probabilities")
    func logloss() {
        #expect(abs(RankingMetrics.logloss(labels: [1, 0], probabilities: [0.5, 0.5]) - log(2)) < 1e-12)
        #expect(RankingMetrics.logloss(labels: [1], probabilities: [0]) < 17)
    }
}
