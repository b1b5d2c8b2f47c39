public import Experiments
public import Logging
public import Messages
public import Pipeline
public import ServiceRuntime
public import RPC
import Recall
public import Stores

/// RecallService: the published recall lists, merged per request. Serves
/// `reco.Recall/recall` (a user's candidates for a channel from the
/// strategy's recall channels) and `reco.Recall/similar`.
///
/// Live behaviour (`live`) shapes it within milliseconds: the `online` channel
/// follows the user's decayed genre interest, `hot` puts the channel's
/// live hot list first, and nothing the user disliked is recalled.
public struct RecallHandler: Sendable {
    let artifacts: ArtifactWatcher
    let experiments: ExperimentTable
    let live: LiveFeatures?
    let logger: Logger
    /// Recall channel id -> source name (the table keys them as text).
    let sourceNames: [Int64: String]
    /// What a user with no personal list gets: the channel's hot and new lists.
    let coldStartSources: [(id: Int64, name: String)]
    let candidates = CounterFamily("recall_candidates_total", dimension: "channel")

    public init(artifacts: ArtifactWatcher, experiments: ExperimentTable, live: LiveFeatures? = nil, logger: Logger) {
        self.artifacts = artifacts
        self.experiments = experiments
        self.live = live
        self.logger = logger
        sourceNames = Dictionary(experiments.recallChannels.compactMap { id, name in Int64(id).map { ($0, name) } }) { first, _ in first }
        coldStartSources = ["hot", "new"].map { name in (experiments.sourceIDs([name]).first ?? 0, name) }
    }

    public var router: RPCRouter {
        var router = RPCRouter()
        router.immediateUnary("reco.Recall", "recall") { (query: FeedQuery, _) in try recall(query) }
        router.immediateUnary("reco.Recall", "similar") { (article: Article, _) in similar(article) }
        return router
    }

    /// The channels interleaved in the order the strategy lists them, each
    /// item once, tagged with the channel that produced it. A user with no
    /// personal list (new or unknown) gets the channel's hot and new lists.
    public func recall(_ query: FeedQuery) throws(RPCError) -> ItemList {
        let current = artifacts.current
        let user = Int64(query.userID) ?? -1
        let snapshot = liveSnapshot(query.userID, channel: query.channelID)
        var lists: [(source: Int64, name: String, items: [Int64])] = []
        lists.reserveCapacity(query.sources.count + coldStartSources.count)
        for id in query.sources {
            guard let name = sourceNames[id] else { throw RPCError(.invalidArgument, "unknown recall channel \(id)") }
            lists.append((id, name, items(name, user: user, channel: query.channelID, in: current, live: snapshot)))
        }
        if !lists.contains(where: { ($0.name == "als" || $0.name == "content") && !$0.items.isEmpty }) {
            for source in coldStartSources where !lists.contains(where: { $0.name == source.name }) {
                lists.append((source.id, source.name, items(source.name, user: user, channel: query.channelID, in: current, live: snapshot)))
            }
        }
        for list in lists { candidates.increment(list.name, by: list.items.count) }
        if !snapshot.disliked.isEmpty {
            lists = lists.map { ($0.source, $0.name, $0.items.filter { !snapshot.disliked.contains($0) }) }
        }
        let merged = RecallChannels.interleave(lists.map { $0.items }, limit: query.count > 0 ? Int(query.count) : .max)
        return ItemList(articleIDs: merged.items, sources: merged.from.map { lists[$0].source }, version: current.version)
    }

    /// What live behaviour says about this user and channel, read once per request.
    struct LiveSnapshot {
        var hot: [Int64] = []
        var genres: [Int] = []
        var disliked: Set<Int64> = []
        var clicked: Set<Int64> = []
    }

    func liveSnapshot(_ user: String, channel: Int32) -> LiveSnapshot {
        guard let live else { return LiveSnapshot() }
        return live.read { features in
            LiveSnapshot(hot: features.hotList(channel: channel, limit: 200).map(Int64.init),
                         genres: features.profile(user: user).prefix(3).map(\.genre),
                         disliked: Set(features.disliked(user: user).map(Int64.init)),
                         clicked: Set((features.users[user]?.clicked ?? []).map(Int64.init)))
        }
    }

    func items(_ source: String, user: Int64, channel: Int32, in current: ServingArtifacts, live: LiveSnapshot) -> [Int64] {
        switch source {
        case "als", "content": return current.recall[source, user, channel]
        case "new": return current.recall[source, 0, channel]
        case "hot":
            // The live window first, then the published list.
            let offline = current.recall[source, 0, channel]
            let fresh = live.hot.filter { channel == 0 || current.channelsOfItem[$0]?.contains(channel) == true }
            let seen = Set(fresh)
            return fresh + offline.filter { !seen.contains($0) }
        case "online":
            // The user's strongest live genres, each a channel: its hot items, interleaved.
            let perGenre = live.genres.map { genre in
                current.recall["hot", 0, Int32(genre + 1)].filter {
                    !live.clicked.contains($0) && (channel == 0 || current.channelsOfItem[$0]?.contains(channel) == true)
                }
            }
            return RecallChannels.interleave(perGenre).items
        // Per-user similar lists are not a feed channel (article_recommend serves them).
        default: return []
        }
    }

    /// The channel's hot list (live window first) and new list, as recall serves them.
    public func hotAndNew(channel: Int32) -> (hot: [Int64], new: [Int64]) {
        let current = artifacts.current
        let snapshot = liveSnapshot("", channel: channel)
        return (items("hot", user: -1, channel: channel, in: current, live: snapshot), items("new", user: -1, channel: channel, in: current, live: snapshot))
    }

    /// Publishes every channel's hot and new lists to `lists` every `interval`
    /// until the task is cancelled (the Redis store: ABRouter's degraded answers read them).
    public func publish(to lists: RedisChannelLists, channels: ClosedRange<Int32>, interval: Duration = .seconds(1)) -> Task<Void, Never> {
        Task {
            var failing = false
            while !Task.isCancelled {
                do {
                    for channel in channels {
                        let (hot, new) = hotAndNew(channel: channel)
                        try await lists.publish(channel: channel, hot: Array(hot.prefix(200)), new: Array(new.prefix(200)))
                    }
                    failing = false
                } catch {
                    if !failing { logger.warning("channel lists not published: \(error)") }
                    failing = true
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Up to `articleNum` nearest items, never the article itself; an
    /// unknown article has none.
    public func similar(_ article: Article) -> Similar {
        let neighbours = artifacts.current.recall["similar", article.articleID, 0].filter { $0 != article.articleID }
        return Similar(articleIDs: Array(neighbours.prefix(max(Int(article.articleNum), 0))))
    }
}
