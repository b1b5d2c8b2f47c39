import Foundation

/// The protocol's metrics: AUC (ties get average ranks), GAUC (per-user AUC,
/// unweighted mean over users with both classes), weighted GAUC, logloss.
public enum RankingMetrics {
    public static func auc(labels: [Int], scores: [Double]) -> Double? {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let average = Double(i + j) / 2 + 1
            for k in i...j { ranks[order[k]] = average }
            i = j + 1
        }
        let positives = labels.reduce(0, +), negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let rankSum = zip(labels, ranks).reduce(0.0) { $0 + ($1.0 == 1 ? $1.1 : 0) }
        return (rankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }

    /// (unweighted GAUC, weighted by rows, users counted).
    public static func gauc(users: [Int], labels: [Int], scores: [Double]) -> (gauc: Double, weighted: Double, users: Int) {
        var groups: [Int: [Int]] = [:]
        for (index, user) in users.enumerated() { groups[user, default: []].append(index) }
        var sum = 0.0, weightedSum = 0.0, weight = 0.0, counted = 0
        for rows in groups.values {
            guard let value = auc(labels: rows.map { labels[$0] }, scores: rows.map { scores[$0] }) else { continue }
            sum += value
            weightedSum += value * Double(rows.count)
            weight += Double(rows.count)
            counted += 1
        }
        return (counted > 0 ? sum / Double(counted) : 0, weight > 0 ? weightedSum / weight : 0, counted)
    }

    public static func logloss(labels: [Int], probabilities: [Double]) -> Double {
        let total = zip(labels, probabilities).reduce(0.0) { sum, pair in
            let p = min(max(pair.1, 1e-7), 1 - 1e-7)
            return sum - (pair.0 == 1 ? log(p) : log(1 - p))
        }
        return total / Double(max(labels.count, 1))
    }
}
