public import Dataset
import Foundation

/// One behaviour event as the real-time loop sees it.
public struct BehaviorEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case exposure, click, collect, share, read, dislike

        /// Interest the action shows (dislike: against).
        var weight: Double {
            switch self {
            case .exposure: 0
            case .click, .read: 1
            case .collect, .share: 2
            case .dislike: -2
            }
        }

        public var isPositive: Bool { weight > 0 }
    }

    public let user: String
    public let item: Int
    public let kind: Kind
    /// Milliseconds since the epoch.
    public let time: Int64

    public init(user: String, item: Int, kind: Kind, time: Int64) {
        self.user = user
        self.item = item
        self.kind = kind
        self.time = time
    }

    /// The event as a rating-style interaction for the ranking statistics
    /// (a positive action is a rating-5 click, a dislike a rating-1 miss), nil
    /// for exposures and for users that are not numeric ids.
    public var interaction: Interaction? {
        guard kind != .exposure, let user = Int(user) else { return nil }
        let positive = kind.isPositive
        return Interaction(user: user, item: item, ratingText: positive ? "5" : "1", rating: positive ? 5 : 1, timestamp: time / 1000)
    }
}

/// The live features, one definition for the services and for any replay of
/// the event log: per user the clicks of the last `clickWindow`, the last
/// click, a time-decayed interest per genre (the online profile) and what
/// they disliked; per item exposures, clicks and a smoothed CTR; per channel
/// a sliding-window hot list.
public struct StreamFeatures: Sendable {
    public struct UserState: Sendable {
        public var recentClicks: [Int64] = []
        public var lastClick: Int64 = 0
        /// Genre index -> interest, decayed to `interestTime`.
        public var interest: [Int: Double] = [:]
        public var interestTime: Int64 = 0
        public var disliked: Set<Int> = []
        public var clicked: Set<Int> = []
    }

    public struct ItemState: Sendable {
        public var exposures = 0
        public var clicks = 0
    }

    public static let clickWindow: Int64 = 30 * 60 * 1000
    public static let hotWindow: Int64 = 60 * 60 * 1000
    /// Interest halves every hour.
    public static let interestHalfLife = 3600.0 * 1000
    /// CTR smoothing: (clicks + 1) / (exposures + 20), a prior of 5%.
    public static let ctrPrior = (clicks: 1.0, exposures: 20.0)

    public private(set) var users: [String: UserState] = [:]
    public private(set) var items: [Int: ItemState] = [:]
    /// Positive events in the hot window, oldest first, and counts per (channel, item).
    private var window: [(time: Int64, item: Int)] = []
    private var windowStart = 0
    private var hot: [Int32: HotRanking] = [:]
    private let genresOfItem: [Int: [Int]]
    private let channelsOfItem: [Int: [Int32]]
    public private(set) var newest: Int64 = 0

    public init(catalog: Catalog) {
        var genres: [Int: [Int]] = [:], channels: [Int: [Int32]] = [:]
        for (id, article) in catalog.articles {
            genres[id] = article.genres.compactMap { catalog.channels.firstIndex(of: $0) }
            channels[id] = [0] + catalog.channelIDs(of: id).map(Int32.init)
        }
        genresOfItem = genres
        channelsOfItem = channels
    }

    public mutating func apply(_ event: BehaviorEvent) {
        newest = max(newest, event.time)
        var item = items[event.item, default: ItemState()]
        var user = users[event.user, default: UserState()]
        switch event.kind {
        case .exposure:
            item.exposures += 1
        case .click, .collect, .share, .read:
            if event.kind == .click { item.clicks += 1 }
            user.recentClicks.append(event.time)
            user.recentClicks.removeAll { $0 < event.time - Self.clickWindow }
            user.lastClick = max(user.lastClick, event.time)
            user.clicked.insert(event.item)
            window.append((event.time, event.item))
            for channel in channelsOfItem[event.item] ?? [0] { hot[channel, default: HotRanking()].increment(event.item) }
        case .dislike:
            user.disliked.insert(event.item)
        }
        if event.kind.weight != 0 {
            decay(&user, to: event.time)
            let genres = genresOfItem[event.item] ?? []
            for genre in genres { user.interest[genre, default: 0] += event.kind.weight / Double(genres.count) }
        }
        items[event.item] = item
        users[event.user] = user
        expire(before: newest - Self.hotWindow)
    }

    private func decay(_ user: inout UserState, to time: Int64) {
        guard time > user.interestTime else { return }
        let factor = pow(0.5, Double(time - user.interestTime) / Self.interestHalfLife)
        if user.interestTime > 0 { for key in user.interest.keys { user.interest[key]! *= factor } }
        user.interestTime = time
    }

    private mutating func expire(before time: Int64) {
        while windowStart < window.count, window[windowStart].time < time {
            let old = window[windowStart].item
            for channel in channelsOfItem[old] ?? [0] { hot[channel]?.decrement(old) }
            windowStart += 1
        }
        if windowStart > 4096 && windowStart * 2 > window.count {
            window.removeFirst(windowStart)
            windowStart = 0
        }
    }

    /// The channel's most clicked items in the hot window, most first.
    public func hotList(channel: Int32, limit: Int) -> [Int] {
        hot[channel]?.top(limit) ?? []
    }

    /// The user's genres by positive decayed interest, strongest first.
    public func profile(user: String) -> [(genre: Int, weight: Double)] {
        guard let state = users[user] else { return [] }
        return state.interest.filter { $0.value > 0 }.map { ($0.key, $0.value) }.sorted { higherScoreFirst($0, $1) }
    }

    public func ctr(item: Int) -> Double {
        let state = items[item] ?? ItemState()
        return (Double(state.clicks) + Self.ctrPrior.clicks) / (Double(state.exposures) + Self.ctrPrior.exposures)
    }

    public func clicksInWindow(user: String, now: Int64) -> Int {
        users[user]?.recentClicks.filter { $0 >= now - Self.clickWindow }.count ?? 0
    }

    public func disliked(user: String) -> Set<Int> { users[user]?.disliked ?? [] }
}
