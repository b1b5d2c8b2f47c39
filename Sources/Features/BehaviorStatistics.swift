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

    /// What is known of one item, in one place so that scoring a candidate
    /// looks it up once.
    public struct ItemState: Sendable {
        public var counts = Counts()
        /// Counts among users of each gender (by code) and each age bucket:
        /// how the user's own segment received the item so far.
        var byGender: [Counts]
        var byAge: [Counts]
        /// The item's most recent labels, oldest first (at most `itemRecentLength`): its trend.
        var recentLabels: [Int] = []
        /// Genre indices of the article.
        let genres: [Int]
    }

    public private(set) var users: [Int: Counts] = [:]
    public private(set) var itemStates: [Int: ItemState]
    /// Per user, counts per genre index (`genreCount` entries).
    public private(set) var userGenres: [Int: [Counts]] = [:]
    /// Each user's most recent events, oldest first (at most `recentLength`).
    public private(set) var recent: [Int: [Interaction]] = [:]
    public static let recentLength = 10
    public static let itemRecentLength = 20
    /// How many genres (channels) there are: genre indices are 0..<genreCount.
    public let genreCount: Int
    /// Gender code and age bucket of each user, from the user table.
    let segmentOfUser: [Int: (gender: Int, age: Int)]
    let genderCount: Int
    let ageBucketCount: Int

    public init(catalog: Catalog) {
        genreCount = catalog.channels.count
        let genders = Array(Set(catalog.users.values.map(\.gender))).sorted()
        genderCount = genders.count
        ageBucketCount = FeatureSpace.ageBucketCount
        let genderCodes = Dictionary(uniqueKeysWithValues: genders.enumerated().map { ($1, $0) })
        segmentOfUser = catalog.users.mapValues { (genderCodes[$0.gender] ?? 0, FeatureSpace.ageBucket($0.age)) }
        let channelIndex = Dictionary(uniqueKeysWithValues: catalog.channels.enumerated().map { ($1, $0) })
        let empty = ItemState(byGender: [Counts](repeating: Counts(), count: genderCount),
                              byAge: [Counts](repeating: Counts(), count: ageBucketCount), genres: [])
        itemStates = catalog.articles.mapValues { article in
            ItemState(byGender: empty.byGender, byAge: empty.byAge, genres: article.genres.compactMap { channelIndex[$0] })
        }
    }

    public mutating func apply(_ event: Interaction) {
        users[event.user, default: Counts()].add(label: event.label, rating: event.rating)
        var item = itemStates[event.item] ?? ItemState(byGender: [Counts](repeating: Counts(), count: genderCount),
                                                       byAge: [Counts](repeating: Counts(), count: ageBucketCount), genres: [])
        itemStates[event.item] = nil  // uniquely referenced while it changes
        item.counts.add(label: event.label, rating: event.rating)
        if !item.genres.isEmpty {
            var byGenre = userGenres.removeValue(forKey: event.user) ?? [Counts](repeating: Counts(), count: genreCount)
            for genre in item.genres { byGenre[genre].add(label: event.label, rating: event.rating) }
            userGenres[event.user] = byGenre
        }
        if let segment = segmentOfUser[event.user] {
            item.byGender[segment.gender].add(label: event.label, rating: event.rating)
            item.byAge[segment.age].add(label: event.label, rating: event.rating)
        }
        item.recentLabels.append(event.label)
        if item.recentLabels.count > Self.itemRecentLength { item.recentLabels.removeFirst(item.recentLabels.count - Self.itemRecentLength) }
        itemStates[event.item] = item
        var last = recent.removeValue(forKey: event.user) ?? []
        last.append(event)
        if last.count > Self.recentLength { last.removeFirst(last.count - Self.recentLength) }
        recent[event.user] = last
    }

    public func genres(of item: Int) -> [Int] { itemStates[item]?.genres ?? [] }

    func segment(of user: Int) -> (gender: Int, age: Int)? { segmentOfUser[user] }
}
