/// A user as the ranking features see them.
public struct UserProfile: Sendable, Hashable {
    public let id: Int
    public let age: Int
    public let gender: String
    public let occupation: String
    public let zipCode: String

    public init(id: Int, age: Int, gender: String, occupation: String, zipCode: String) {
        self.id = id
        self.age = age
        self.gender = gender
        self.occupation = occupation
        self.zipCode = zipCode
    }
}

/// An article (a movie in MovieLens). Its genres are its channels.
public struct ArticleInfo: Sendable, Hashable {
    public let id: Int
    public let title: String
    /// As given: a year, or something else ("unkonwn" in ML-100K).
    public let releaseYear: String
    public let genres: [String]

    public init(id: Int, title: String, releaseYear: String, genres: [String]) {
        self.id = id
        self.title = title
        self.releaseYear = releaseYear
        self.genres = genres
    }
}

/// One rating event; `rating` keeps its original text so the split file
/// reproduces the input byte for byte.
public struct Interaction: Sendable, Hashable {
    public let user: Int
    public let item: Int
    public let ratingText: String
    public let rating: Double
    public let timestamp: Int64

    public init(user: Int, item: Int, ratingText: String, rating: Double, timestamp: Int64) {
        self.user = user
        self.item = item
        self.ratingText = ratingText
        self.rating = rating
        self.timestamp = timestamp
    }

    /// Implicit feedback: a rating above 3 is a click (positive).
    public var label: Int { rating > 3 ? 1 : 0 }
}

/// Users, articles, events and the channel vocabulary: what the offline
/// pipeline reads, whatever the source format.
public struct Catalog: Sendable {
    public var users: [Int: UserProfile]
    public var articles: [Int: ArticleInfo]
    public var interactions: [Interaction]
    /// Genre names in a fixed order; channel id = index + 1 (0 is the all-channels feed).
    public let channels: [String]

    public init(users: [Int: UserProfile], articles: [Int: ArticleInfo], interactions: [Interaction], channels: [String]? = nil) {
        self.users = users
        self.articles = articles
        self.interactions = interactions
        self.channels = channels ?? Array(Set(articles.values.flatMap(\.genres))).sorted()
    }

    /// Channel ids (1-based) of an article.
    public func channelIDs(of article: Int) -> [Int] {
        guard let info = articles[article] else { return [] }
        return info.genres.compactMap { genre in channels.firstIndex(of: genre).map { $0 + 1 } }
    }
}
