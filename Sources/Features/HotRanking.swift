/// Items ranked by a count that moves one at a time (clicks entering and
/// leaving the hot window), most first, ties by smaller id: each item sits
/// in the bucket of its count, kept sorted, so a move costs a binary search
/// in two buckets and reading the top k costs k, where sorting every counted
/// item on each read cost a sort of the whole window per recall request.
public struct HotRanking: Sendable {
    private var counts: [Int: Int] = [:]
    /// Items with each count, ascending by id.
    private var buckets: [Int: [Int]] = [:]
    /// The counts that have items, ascending.
    private var levels: [Int] = []

    public init() {}

    public var isEmpty: Bool { counts.isEmpty }

    public mutating func increment(_ item: Int) {
        let old = counts[item] ?? 0
        if old > 0 { remove(item, from: old) }
        counts[item] = old + 1
        insert(item, into: old + 1)
    }

    public mutating func decrement(_ item: Int) {
        guard let old = counts[item] else { return }
        remove(item, from: old)
        if old > 1 {
            counts[item] = old - 1
            insert(item, into: old - 1)
        } else {
            counts[item] = nil
        }
    }

    /// Up to `limit` items, highest count first.
    public func top(_ limit: Int) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(min(max(limit, 0), counts.count))
        for level in levels.reversed() {
            for item in buckets[level] ?? [] {
                guard result.count < limit else { return result }
                result.append(item)
            }
        }
        return result
    }

    private mutating func insert(_ item: Int, into count: Int) {
        if buckets[count] == nil {
            levels.insert(count, at: Self.firstIndex(notBelow: count, in: levels))
            buckets[count] = [item]
        } else {
            buckets[count]!.insert(item, at: Self.firstIndex(notBelow: item, in: buckets[count]!))
        }
    }

    private mutating func remove(_ item: Int, from count: Int) {
        guard var bucket = buckets.removeValue(forKey: count) else { return }
        bucket.remove(at: Self.firstIndex(notBelow: item, in: bucket))
        if bucket.isEmpty {
            levels.remove(at: Self.firstIndex(notBelow: count, in: levels))
        } else {
            buckets[count] = bucket
        }
    }

    /// Binary search in an ascending array.
    private static func firstIndex(notBelow value: Int, in sorted: [Int]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
