import Dataset

/// The per-channel lists the offline pipeline publishes. Each user's items
/// are scored once, sorted once, then dealt to the feed (channel 0) and to
/// every channel the item belongs to, until each holds `k`.
extension RecallChannels {
    /// Channel id -> ALS candidates, best first, unseen items only.
    public func alsLists(user: Int, k: Int) -> [Int: [Int]] {
        guard als.userFactors[user] != nil else { return [:] }
        let seen = seen[user] ?? []
        let scored = als.itemFactors.keys.filter { !seen.contains($0) }.map { ($0, als.score(user: user, item: $0)) }
        return deal(scored, k: k)
    }

    /// Channel id -> items of the user's favourite genres, best first.
    public func contentLists(user: Int, k: Int) -> [Int: [Int]] {
        guard let profile = genreProfile[user] else { return [:] }
        let seen = seen[user] ?? []
        let popularity = Dictionary(hot.enumerated().map { ($1, Double(hot.count - $0)) }, uniquingKeysWith: max)
        let scored = catalog.articles.values.compactMap { article -> (Int, Double)? in
            guard !seen.contains(article.id) else { return nil }
            let affinity = article.genres.reduce(0) { $0 + (profile[$1] ?? 0) } / Double(max(article.genres.count, 1))
            return affinity > 0 ? (article.id, affinity + 1e-6 * (popularity[article.id] ?? 0)) : nil
        }
        return deal(scored, k: k)
    }

    /// Channel id -> the hot list (or new list) restricted to the channel.
    public func channelLists(_ ranked: [Int], k: Int) -> [Int: [Int]] {
        deal(ranked.enumerated().map { ($1, -Double($0)) }, k: k)
    }

    func deal(_ scored: [(Int, Double)], k: Int) -> [Int: [Int]] {
        var lists: [Int: [Int]] = [:]
        for (item, _) in scored.sorted(by: { higherScoreFirst($0, $1) }) {
            for channel in [0] + catalog.channelIDs(of: item) where lists[channel, default: []].count < k {
                lists[channel, default: []].append(item)
            }
        }
        return lists
    }
}
