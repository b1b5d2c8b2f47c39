public import Dataset

/// Running counts of behaviour: per user, per item and per (user, genre).
/// The offline replay applies events in time order and reads features before
/// each row's own second; the online side applies live events as they come.
/// Same code both ways, so a feature means the same thing in both.
public struct BehaviorStatistics: Sendable {
    public struct Counts: Sendable, Equatable {
        public var events: Int = 0
        public var positives: Int = 0
        public var ratingSum: Double = 0

        public init() {}

        mutating func add(label: Int, rating: Double) {
            events += 1
            positives += label
            ratingSum += rating
        }
    }

    public private(set) var users: [Int: Counts] = [:]
    public private(set) var items: [Int: Counts] = [:]
    public private(set) var userGenres: [Int: [Int: Counts]] = [:]
    /// Each user's most recent events, oldest first (at most `recentLength`).
    public private(set) var recent: [Int: [Interaction]] = [:]
    public static let recentLength = 10
    /// Per item, counts among users of each gender and of each age bucket:
    /// how the user's own segment received the item so far.
    public private(set) var itemByGender: [Int: [String: Counts]] = [:]
    public private(set) var itemByAge: [Int: [Int: Counts]] = [:]
    /// Each item's most recent labels, oldest first (at most `itemRecentLength`): its trend.
    public private(set) var itemRecent: [Int: [Int]] = [:]
    public static let itemRecentLength = 20
    /// Genre indices of each article, from the feature space.
    private let genresOfItem: [Int: [Int]]
    /// Gender and age bucket of each user, from the user table.
    let segmentOfUser: [Int: (gender: String, age: Int)]

    public init(catalog: Catalog) {
        var genres: [Int: [Int]] = [:]
        for (id, article) in catalog.articles {
            genres[id] = article.genres.compactMap { catalog.channels.firstIndex(of: $0) }
        }
        genresOfItem = genres
        segmentOfUser = catalog.users.mapValues { ($0.gender, FeatureSpace.ageBucket($0.age)) }
    }

    public mutating func apply(_ event: Interaction) {
        users[event.user, default: Counts()].add(label: event.label, rating: event.rating)
        items[event.item, default: Counts()].add(label: event.label, rating: event.rating)
        for genre in genresOfItem[event.item] ?? [] {
            userGenres[event.user, default: [:]][genre, default: Counts()].add(label: event.label, rating: event.rating)
        }
        if let segment = segmentOfUser[event.user] {
            itemByGender[event.item, default: [:]][segment.gender, default: Counts()].add(label: event.label, rating: event.rating)
            itemByAge[event.item, default: [:]][segment.age, default: Counts()].add(label: event.label, rating: event.rating)
        }
        var trend = itemRecent[event.item, default: []]
        trend.append(event.label)
        if trend.count > Self.itemRecentLength { trend.removeFirst(trend.count - Self.itemRecentLength) }
        itemRecent[event.item] = trend
        var last = recent[event.user, default: []]
        last.append(event)
        if last.count > Self.recentLength { last.removeFirst(last.count - Self.recentLength) }
        recent[event.user] = last
    }

    public func genres(of item: Int) -> [Int] { genresOfItem[item] ?? [] }

    func segment(of user: Int) -> (gender: String, age: Int)? { segmentOfUser[user] }
}
