public import Messages

extension MetricSample {
    /// The `q` quantile (0...1) of a histogram's observations, interpolated
    /// within its bucket as Prometheus' histogram_quantile does; nil when empty.
    /// `counts` defaults to the sample's own (pass a difference of two
    /// snapshots for a recent window).
    public func quantile(_ q: Double, counts: [Int64]? = nil) -> Double? {
        let counts = counts ?? bucketCounts
        let total = counts.reduce(0, +)
        guard total > 0, counts.count == bucketBounds.count + 1 else { return nil }
        let rank = q * Double(total)
        var seen: Int64 = 0
        for (index, count) in counts.enumerated() {
            if Double(seen + count) >= rank && count > 0 {
                guard index < bucketBounds.count else { return bucketBounds.last }
                let lower = index == 0 ? 0 : bucketBounds[index - 1]
                return lower + (bucketBounds[index] - lower) * (rank - Double(seen)) / Double(count)
            }
            seen += count
        }
        return bucketBounds.last
    }
}
