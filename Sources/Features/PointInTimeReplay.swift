public import Dataset

/// Builds training and evaluation rows whose statistics are exactly those
/// known before each row's timestamp: history events are applied in time
/// order, and every row reads the statistics before any event of its own
/// second is applied. A row never sees its own label or anything later.
public struct PointInTimeReplay {
    public struct Row: Sendable {
        public let event: Interaction
        public let dense: [Float]
    }

    /// `history`: the events that feed the statistics (train, or inner
    /// train when tuning). `rows`: the events to featurize.
    public static func rows(history: [Interaction], rows: [Interaction], catalog: Catalog, priors: DenseFeatures.Priors) -> [Row] {
        let events = history.sorted { $0.timestamp < $1.timestamp }
        let queries = rows.enumerated().sorted { $0.element.timestamp < $1.element.timestamp }
        var stats = BehaviorStatistics(catalog: catalog)
        var result = [Row?](repeating: nil, count: rows.count)
        var next = 0
        for (position, row) in queries {
            while next < events.count && events[next].timestamp < row.timestamp {
                stats.apply(events[next])
                next += 1
            }
            result[position] = Row(event: row, dense: DenseFeatures.compute(stats, user: row.user, item: row.item, priors: priors))
        }
        return result.map { $0! }
    }
}
