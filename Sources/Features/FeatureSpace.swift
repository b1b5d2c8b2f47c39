public import Dataset

/// The column layout of the ranking features, built from the user and
/// article tables (which carry no labels). One definition serves the offline
/// training replay and SortService online, so the two cannot disagree.
///
/// Base columns follow shared/datasets/ml100k-protocol.md section 3 (2,695
/// for ML-100K): user id, item id, age bucket, gender, occupation, first zip
/// digit, release-year bucket, genres. Dense columns (point-in-time
/// statistics) follow them.
public struct FeatureSpace: Sendable, Codable, Equatable {
    public let userIDs: [Int]
    public let itemIDs: [Int]
    public let genders: [String]
    public let occupations: [String]
    public let zipPrefixes: [String]
    public let genres: [String]
    public static let ageBounds = [18, 25, 35, 45, 50, 56]
    public static let yearBuckets = ["unknown", "<1960", "1960s", "1970s", "1980s", "1990-1994", "1995", "1996", "1997", "1998"]

    // Offsets of each block.
    public let userOffset, itemOffset, ageOffset, genderOffset, occupationOffset, zipOffset, yearOffset, genreOffset: Int
    public let denseOffset: Int
    public let denseCount: Int

    public var baseColumns: Int { denseOffset }
    public var columns: Int { denseOffset + denseCount }

    public init(catalog: Catalog, denseCount: Int = DenseFeatures.count) {
        userIDs = catalog.users.keys.sorted()
        itemIDs = catalog.articles.keys.sorted()
        genders = Array(Set(catalog.users.values.map(\.gender))).sorted()
        occupations = Array(Set(catalog.users.values.map(\.occupation))).sorted()
        zipPrefixes = Array(Set(catalog.users.values.map { Self.zipPrefix($0.zipCode) })).sorted()
        genres = catalog.channels
        userOffset = 0
        itemOffset = userIDs.count
        ageOffset = itemOffset + itemIDs.count
        genderOffset = ageOffset + Self.ageBounds.count + 1
        occupationOffset = genderOffset + genders.count
        zipOffset = occupationOffset + occupations.count
        yearOffset = zipOffset + zipPrefixes.count
        genreOffset = yearOffset + Self.yearBuckets.count
        denseOffset = genreOffset + genres.count
        self.denseCount = denseCount
    }

    static func zipPrefix(_ zip: String) -> String {
        guard let first = zip.first, first.isASCII, first.isNumber else { return "X" }
        return String(first)
    }

    /// searchsorted(bounds, age, 'right').
    static var ageBucketCount: Int { ageBounds.count + 1 }

    static func ageBucket(_ age: Int) -> Int {
        ageBounds.firstIndex { age < $0 } ?? ageBounds.count
    }

    static func yearBucket(_ year: String) -> Int {
        guard let y = Int(year) else { return 0 }
        switch y {
        case ..<1960: return 1
        case 1960..<1970: return 2
        case 1970..<1980: return 3
        case 1980..<1990: return 4
        case 1990..<1995: return 5
        case 1995: return 6
        case 1996: return 7
        case 1997: return 8
        default: return 9
        }
    }

    /// Base columns of a user (shared by all of that user's candidates).
    public func userColumns(_ user: UserProfile?) -> FeatureVector {
        var v = FeatureVector()
        guard let user else { return v }
        if let i = Self.index(of: user.id, in: userIDs) { v.append(userOffset + i) }
        v.append(ageOffset + Self.ageBucket(user.age))
        if let i = genders.firstIndex(of: user.gender) { v.append(genderOffset + i) }
        if let i = occupations.firstIndex(of: user.occupation) { v.append(occupationOffset + i) }
        if let i = zipPrefixes.firstIndex(of: Self.zipPrefix(user.zipCode)) { v.append(zipOffset + i) }
        return v
    }

    /// Base columns of an article.
    public func articleColumns(_ article: ArticleInfo?) -> FeatureVector {
        var v = FeatureVector()
        guard let article else { return v }
        if let i = Self.index(of: article.id, in: itemIDs) { v.append(itemOffset + i) }
        v.append(yearOffset + Self.yearBucket(article.releaseYear))
        for genre in article.genres {
            if let i = genres.firstIndex(of: genre) { v.append(genreOffset + i) }
        }
        return v
    }

    /// The full row: user, article, then the dense statistics.
    public func row(user: FeatureVector, article: FeatureVector, dense: [Float]) -> FeatureVector {
        var v = user
        v.indices += article.indices
        v.values += article.values
        for (i, value) in dense.enumerated() where i < denseCount { v.append(denseOffset + i, value) }
        return v
    }

    private static func index(of id: Int, in sorted: [Int]) -> Int? {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if sorted[mid] < id { low = mid + 1 } else { high = mid }
        }
        return low < sorted.count && sorted[low] == id ? low : nil
    }
}
