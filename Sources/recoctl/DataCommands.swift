import Artifacts
import Dataset
import Foundation
import Pipeline
import Features
import Messages
import Stores

/// `recoctl data fetch`: the same script `make data` runs.
enum DataCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        guard arguments.words.dropFirst().first == "fetch" else { throw UsageError("usage: recoctl data fetch [--dir data/raw]") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "tools/fetch-ml100k.sh")
        process.arguments = [arguments.option("--dir") ?? "data/raw"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw UsageError("fetch failed with status \(process.terminationStatus)") }
    }
}

/// `recoctl import`: validates every row (file:line on failure) and stores
/// the catalogue in the one format training reads.
enum ImportCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        let out = arguments.option("--out") ?? "data/catalog"
        let catalog: Catalog
        if let users = arguments.option("--users"), let items = arguments.option("--items"), let events = arguments.option("--events") {
            catalog = try GenericFormat.load(users: users, items: items, events: events)
        } else {
            catalog = try AtomicFiles.load(directory: arguments.option("--ml100k") ?? "data/raw")
        }
        try AtomicFiles.write(catalog, directory: out, prefix: ArtifactLayout.catalogPrefix)
        print("imported \(catalog.users.count) users, \(catalog.articles.count) articles, \(catalog.interactions.count) events, \(catalog.channels.count) channels into \(out)")
    }
}

/// `recoctl train`: the whole offline pipeline, published atomically. With
/// `--events DIR` the behaviour log is replayed into the training events (in
/// log order; a positive action is a rating-5 click and a dislike a rating-1
/// miss, as the services count them live), for known users and articles.
enum TrainCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        var catalog = try AtomicFiles.load(directory: arguments.option("--catalog") ?? "data/catalog", prefix: ArtifactLayout.catalogPrefix)
        if arguments.option("--events") != nil {
            let (records, events) = try LoggedEvents.read(arguments)
            let logged = records.compactMap { record -> Interaction? in
                guard let action = try? Action(serializedBytes: record), let kind = BehaviorEvent.Kind(rawValue: action.action) else { return nil }
                return BehaviorEvent(user: action.userID, item: Int(action.articleID), kind: kind, time: action.timeStamp).interaction
            }.filter { catalog.users[$0.user] != nil && catalog.articles[$0.item] != nil }
            catalog.interactions += logged
            print("replayed \(logged.count) logged actions from \(events) into training")
        }
        let store = ArtifactStore(root: arguments.option("--artifacts") ?? "data/artifacts")
        let progress = ProgressLine()
        let summary = try OfflinePipeline.run(catalog: catalog, store: store) { progress($0) }
        progress.finish()
        print("published \(summary.version) in \(String(format: "%.1f", summary.seconds)) s")
        for r in summary.reports {
            print("  \(r.model): AUC \(String(format: "%.4f", r.auc))  GAUC \(String(format: "%.4f", r.gauc))  logloss \(String(format: "%.4f", r.logloss))  n_test \(r.n_test)")
        }
        for (channel, s) in summary.recall {
            print("  recall \(channel): recall@50 \(String(format: "%.4f", s.recallAt50))  recall@200 \(String(format: "%.4f", s.recallAt200))  NDCG@10 \(String(format: "%.4f", s.ndcgAt10))")
        }
    }
}

enum VersionsCommand {
    static func run(_ arguments: CommandLine.Arguments) throws {
        let store = ArtifactStore(root: arguments.option("--artifacts") ?? "data/artifacts")
        let current = store.currentVersion()
        for version in store.versions() {
            let manifest = try store.load(version: version).manifest
            let auc = ArtifactLayout.models.map { "\($0) AUC \(String(format: "%.4f", manifest.metrics["\($0).auc"] ?? .nan))" }.joined(separator: ", ")
            print("\(version == current ? "*" : " ") \(version)  \(manifest.created)  \(auc)")
        }
    }
}
