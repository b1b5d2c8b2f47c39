public import Dataset

/// The offline recall channels, each a ranked candidate list per user (and
/// per channel of the feed). All exclude what the user has already seen.
public struct RecallChannels: Sendable {
    public let als: ImplicitALS
    let catalog: Catalog
    let seen: [Int: Set<Int>]
    let genreProfile: [Int: [String: Double]]
    /// Items by positive events in the last `hotWindow` of history, most first.
    public let hot: [Int]
    /// Items by when they first appeared, newest first.
    public let new: [Int]

    public static let hotWindow: Int64 = 30 * 24 * 3600

    /// `history`: every event before the moment the lists are for.
    public init(catalog: Catalog, history: [Interaction], settings: ImplicitALS.Settings = .init()) {
        self.catalog = catalog
        var seen: [Int: Set<Int>] = [:]
        var profile: [Int: [String: Double]] = [:]
        var firstSeen: [Int: Int64] = [:]
        for e in history {
            seen[e.user, default: []].insert(e.item)
            firstSeen[e.item] = min(firstSeen[e.item] ?? .max, e.timestamp)
            guard e.label == 1, let genres = catalog.articles[e.item]?.genres else { continue }
            for g in genres { profile[e.user, default: [:]][g, default: 0] += 1 / Double(genres.count) }
        }
        self.seen = seen
        genreProfile = profile
        let end = history.map(\.timestamp).max() ?? 0
        var recentClicks: [Int: Int] = [:]
        for e in history where e.label == 1 && e.timestamp > end - Self.hotWindow { recentClicks[e.item, default: 0] += 1 }
        hot = recentClicks.map { ($0.key, $0.value) }.sorted { higherScoreFirst($0, $1) }.map(\.0)
        new = firstSeen.sorted { ($0.value, $0.key) > ($1.value, $1.key) }.map(\.key)
        als = ImplicitALS(observations: history.filter { $0.label == 1 }.map { ($0.user, $0.item, 1.0) }, settings: settings)
    }

    func inChannel(_ item: Int, _ channel: Int) -> Bool {
        channel == 0 || catalog.channelIDs(of: item).contains(channel)
    }

    private func top(_ scored: [(Int, Double)], _ k: Int) -> [Int] {
        scored.sorted { higherScoreFirst($0, $1) }.prefix(k).map(\.0)
    }

    public func alsCandidates(user: Int, channel: Int, k: Int) -> [Int] {
        let seen = seen[user] ?? []
        return top(als.itemFactors.keys.filter { !seen.contains($0) && inChannel($0, channel) }.map { ($0, als.score(user: user, item: $0)) }, k)
    }

    public func contentCandidates(user: Int, channel: Int, k: Int) -> [Int] {
        guard let profile = genreProfile[user] else { return [] }
        let seen = seen[user] ?? []
        let popularity = Dictionary(hot.enumerated().map { ($1, Double(hot.count - $0)) }, uniquingKeysWith: max)
        let scored = catalog.articles.values.compactMap { article -> (Int, Double)? in
            guard !seen.contains(article.id), inChannel(article.id, channel) else { return nil }
            let affinity = article.genres.reduce(0) { $0 + (profile[$1] ?? 0) } / Double(max(article.genres.count, 1))
            return affinity > 0 ? (article.id, affinity + 1e-6 * (popularity[article.id] ?? 0)) : nil
        }
        return top(scored, k)
    }

    public func hotCandidates(user: Int, channel: Int, k: Int) -> [Int] {
        let seen = seen[user] ?? []
        return Array(hot.lazy.filter { !seen.contains($0) && self.inChannel($0, channel) }.prefix(k))
    }

    public func newCandidates(user: Int, channel: Int, k: Int) -> [Int] {
        let seen = seen[user] ?? []
        return Array(new.lazy.filter { !seen.contains($0) && self.inChannel($0, channel) }.prefix(k))
    }

    /// Items whose ALS vectors are closest (cosine) to `item`'s, never itself.
    public func similar(to item: Int, k: Int) -> [Int] {
        guard let v = als.itemFactors[item] else { return [] }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let scored = als.itemFactors.compactMap { other, w -> (Int, Double)? in
            guard other != item else { return nil }
            let dot = zip(v, w).reduce(0) { $0 + $1.0 * $1.1 }
            let n = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return (other, norm > 0 && n > 0 ? dot / (norm * n) : 0)
        }
        return top(scored, k)
    }

    /// The channels merged: interleaved in turn, each item at its first
    /// occurrence, up to `limit` items; with each item, the index of the
    /// list it came from.
    @inlinable
    public static func interleave<Item: Hashable>(_ lists: [[Item]], limit: Int = .max) -> (items: [Item], from: [Int]) {
        let total = min(limit, lists.reduce(0) { $0 + $1.count })
        var items: [Item] = [], from: [Int] = [], taken = Set<Item>(minimumCapacity: total)
        items.reserveCapacity(total)
        from.reserveCapacity(total)
        for position in 0..<lists.reduce(0, { max($0, $1.count) }) {
            for index in lists.indices where position < lists[index].count {
                guard items.count < limit else { return (items, from) }
                if taken.insert(lists[index][position]).inserted {
                    items.append(lists[index][position])
                    from.append(index)
                }
            }
        }
        return (items, from)
    }
}
