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
        /// The item's most recent labels (at most `itemRecentLength`): its trend.
        var recentLabels = RecentLabels()
        /// Genre indices of the article.
        let genres: [Int]
    }

    /// An item's last `itemRecentLength` labels (0 or 1) as bits, newest in
    /// bit 0: how many there are and how many are positive, with no array to
    /// copy or trim.
    struct RecentLabels: Sendable, Equatable {
        private var bits: UInt32 = 0
        private(set) var count = 0
        private static let mask = UInt32.max >> (32 - UInt32(itemRecentLength))

        mutating func append(_ label: Int) {
            bits = ((bits << 1) | (label > 0 ? 1 : 0)) & Self.mask
            count = min(count + 1, itemRecentLength)
        }

        var positives: Int { bits.nonzeroBitCount }
    }

    public private(set) var users: [Int: Counts] = [:]
    public private(set) var itemStates: [Int: ItemState]
    /// Per user, counts per genre index (`genreCount` entries).
    public private(set) var userGenres: [Int: [Counts]] = [:]
    /// Each user's most recent events, oldest first (at most `recentLength`).
    public private(set) var recent: [Int: [Interaction]] = [:]
    public static let recentLength = 10
    /// At most 32: `RecentLabels` keeps them in 32 bits.
    public static let itemRecentLength = 20
    /// How many genres (channels) there are: genre indices are 0..<genreCount.
    public let genreCount: Int
    /// Gender code and age bucket of each user, from the user table.
    let segmentOfUser: [Int: (gender: Int, age: Int)]
    let genderCount: Int
    let ageBucketCount: Int
    /// The state of an item with no events and no genres.
    let emptyItem: ItemState

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
        emptyItem = empty
        itemStates = catalog.articles.mapValues { article in
            ItemState(byGender: empty.byGender, byAge: empty.byAge, genres: article.genres.compactMap { channelIndex[$0] })
        }
    }

    /// Runs `body` on an item's state where it is kept: scoring reads a
    /// hundred per request, and a copy would retain and release its arrays
    /// each time. An item never seen reads as one with no events.
    func withItemState<R>(_ item: Int, _ body: (borrowing ItemState) -> R) -> R {
        if let index = itemStates.index(forKey: item) { return body(itemStates.values[index]) }
        return body(emptyItem)
    }

    public mutating func apply(_ event: Interaction) {
        users[event.user, default: Counts()].add(label: event.label, rating: event.rating)
        let segment = segmentOfUser[event.user]
        // Changed where it is kept (the dictionary's in-place accessor): no copy of its arrays.
        itemStates[event.item, default: emptyItem].add(event, segment: segment)
        if let genres = itemStates[event.item]?.genres, !genres.isEmpty {
            userGenres[event.user, default: [Counts](repeating: Counts(), count: genreCount)].add(event, genres: genres)
        }
        recent[event.user, default: []].append(event, keepingLast: Self.recentLength)
    }

    public func genres(of item: Int) -> [Int] { itemStates[item]?.genres ?? [] }

    func segment(of user: Int) -> (gender: Int, age: Int)? { segmentOfUser[user] }
}

extension BehaviorStatistics.ItemState {
    mutating func add(_ event: Interaction, segment: (gender: Int, age: Int)?) {
        counts.add(label: event.label, rating: event.rating)
        if let segment {
            byGender[segment.gender].add(label: event.label, rating: event.rating)
            byAge[segment.age].add(label: event.label, rating: event.rating)
        }
        recentLabels.append(event.label)
    }
}

extension [Interaction] {
    mutating func append(_ event: Interaction, keepingLast length: Int) {
        append(event)
        if count > length { removeFirst(count - length) }
    }
}

extension [BehaviorStatistics.Counts] {
    /// Adds an event to the counts of each of the item's genres.
    mutating func add(_ event: Interaction, genres: [Int]) {
        for genre in genres { self[genre].add(label: event.label, rating: event.rating) }
    }
}
