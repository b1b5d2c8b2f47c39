import Artifacts
public import Dataset
import Foundation
import Models
import Pipeline

/// A small synthetic catalogue with real structure (users prefer one of
/// three genres and rate those items higher), published through the real
/// offline pipeline, so service tests run on true artifacts in seconds.
public enum Fixture {
    public static let genres = ["Action", "Comedy", "Drama"]
    public static let users = 40
    public static let items = 60

    public static func catalog(seed: UInt64 = 7) -> Catalog {
        var random = SeededGenerator(seed: seed)
        var articles: [Int: ArticleInfo] = [:]
        for id in 1...items {
            var itemGenres = [genres[id % 3]]
            if id % 5 == 0 { itemGenres.append(genres[(id + 1) % 3]) }
            articles[id] = ArticleInfo(id: id, title: "Article \(id)", releaseYear: String(1990 + id % 9), genres: itemGenres.sorted())
        }
        var profiles: [Int: UserProfile] = [:]
        var events: [Interaction] = []
        for user in 1...users {
            profiles[user] = UserProfile(id: user, age: 18 + user % 40, gender: user % 2 == 0 ? "F" : "M", occupation: ["student", "engineer", "artist"][user % 3], zipCode: "\(10000 + user)")
            let favourite = genres[user % 3]
            var ids = Array(1...items)
            ids.shuffle(using: &random)
            // Each user rates 30 items, leaving 30 unseen for recall.
            for (step, item) in ids.prefix(30).enumerated() {
                let liked = articles[item]!.genres.contains(favourite)
                let rating = liked ? (random.unit() < 0.8 ? 5 : 3) : (random.unit() < 0.2 ? 4 : 2)
                events.append(Interaction(user: user, item: item, ratingText: String(rating), rating: Double(rating), timestamp: 880_000_000 + Int64(step * 1000 + user)))
            }
        }
        return Catalog(users: profiles, articles: articles, interactions: events)
    }

    /// Publishes the fixture into `root`; returns the version.
    @discardableResult
    public static func publish(root: String, seed: UInt64 = 7) throws -> String {
        // One setting per model: the fixture tests serving, not tuning.
        let grids = [("lr", [TrainingSettings(factors: 0, learningRate: 5e-3, l2: 1e-2)]),
                     ("fm16", [TrainingSettings(factors: 16, learningRate: 5e-3, l2: 1e-2)])]
        return try OfflinePipeline.run(catalog: catalog(seed: seed), store: ArtifactStore(root: root), grids: grids).version
    }

    /// A fresh directory under the system's temporary directory.
    public static func temporaryDirectory(_ name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The names of this process's threads, as the kernel keeps them (/proc/self/task/*/comm).
    public static func threadNames() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
            try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// The repository's deploy/experiments.json.
    public static let experimentsPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("deploy/experiments.json").path
}
