public import Artifacts
public import Dataset
import Foundation
public import Models
public import Recall
import Synchronization

/// Trains and evaluates everything the services serve, then publishes it as
/// one version: the catalog, the LR and FM ranking models (chosen on inner
/// validation, scored on the protocol's test split), and the recall lists
/// (ALS, content, hot, new, similar) built from all events.
public enum OfflinePipeline {
    /// The protocol's grids: LR over l2 (its C grid's role), FM over lr x l2.
    /// FM's final fit runs with three seeds whose logits the served model averages.
    public static let seeds: [String: [UInt64]] = ["lr": [0], "fm16": [0, 1, 2]]

    public static let grids: [(name: String, grid: [TrainingSettings])] = [
        ("lr", [3e-3, 1e-2, 3e-2].map { TrainingSettings(factors: 0, learningRate: 5e-3, l2: Float($0)) }),
        ("fm16", [2e-3, 5e-3].flatMap { lr in [3e-3, 1e-2, 3e-2, 1e-1].map { TrainingSettings(factors: 16, learningRate: Float(lr), l2: Float($0)) } }),
    ]

    public struct Summary: Sendable {
        public let version: String
        public let reports: [EvaluationReport]
        public let recall: [(channel: String, scores: RecallEvaluation.Scores)]
        public let seconds: Double
    }

    /// Runs `body(0..<count)` each on a thread of its own and waits for all.
    /// Not `concurrentPerform`: on Linux its workers are the threads that
    /// also run Swift's concurrency, so minutes of training there would
    /// stall every task of the process (a service, a test) meanwhile.
    static func onOwnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let finished = DispatchGroup()
        for index in 0..<count {
            finished.enter()
            Thread { body(index); finished.leave() }.start()
        }
        finished.wait()
    }

    /// Trains the two models on separate threads (the machine has two cores)
    /// while the recall lists are built, then publishes atomically.
    /// `grids`: the settings tried per model (the protocol's by default).
    public static func run(catalog: Catalog, store: ArtifactStore, grids: [(name: String, grid: [TrainingSettings])] = grids,
                           progress: @escaping @Sendable (String) -> Void = { _ in }) throws -> Summary {
        let started = ContinuousClock.now
        let split = ProtocolSplit(catalog.interactions)
        let trained = Mutex<[String: RankingTraining.Result]>([:])
        let recallResult = Mutex<(RecallSets, [(String, RecallEvaluation.Scores)])?>(nil)
        onOwnThreads(grids.count + 1) { index in
            if index < grids.count {
                let (name, grid) = grids[index]
                progress("training \(name) (\(grid.count) settings)")
                let result = RankingTraining.run(name: name, catalog: catalog, split: split, grid: grid, seeds: seeds[name] ?? [0])
                progress("trained \(name): AUC \(String(format: "%.4f", result.report.auc))")
                trained.withLock { $0[name] = result }
            } else {
                progress("building recall lists")
                let scores = evaluateRecall(catalog: catalog, split: split)
                let sets = recallSets(catalog: catalog)
                progress("built \(sets.count) recall lists")
                recallResult.withLock { $0 = (sets, scores) }
            }
        }
        let results = trained.withLock { $0 }
        let (sets, recallScores) = recallResult.withLock { $0! }

        var files = AtomicFiles.files(catalog, prefix: ArtifactLayout.catalogPrefix)
        files[ArtifactLayout.recall] = Data(sets.serializedBytes())
        var metrics: [String: Double] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for name in ArtifactLayout.models {
            guard let result = results[name] else { continue }
            files[ArtifactLayout.model(name)] = try encoder.encode(result.model)
            metrics["\(name).auc"] = result.report.auc
            metrics["\(name).gauc"] = result.report.gauc
            metrics["\(name).logloss"] = result.report.logloss
            metrics["\(name).n_test"] = Double(result.report.n_test)
        }
        for (channel, s) in recallScores {
            metrics["recall.\(channel).recall_at_50"] = s.recallAt50
            metrics["recall.\(channel).recall_at_200"] = s.recallAt200
            metrics["recall.\(channel).ndcg_at_10"] = s.ndcgAt10
        }
        progress("publishing")
        let version = try store.publish(files, metrics: metrics)
        let elapsed = started.duration(to: .now)
        return Summary(
            version: version,
            reports: ArtifactLayout.models.compactMap { results[$0]?.report },
            recall: recallScores.map { (channel: $0.0, scores: $0.1) },
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        )
    }

    /// The served lists, from every event.
    public static func recallSets(catalog: Catalog) -> RecallSets {
        let channels = RecallChannels(catalog: catalog, history: catalog.interactions)
        var sets = RecallSets()
        let k = ArtifactLayout.personalListLength
        for user in catalog.users.keys {
            for (channel, items) in channels.alsLists(user: user, k: k) { sets["als", Int64(user), Int32(channel)] = items.map(Int64.init) }
            for (channel, items) in channels.contentLists(user: user, k: k) { sets["content", Int64(user), Int32(channel)] = items.map(Int64.init) }
        }
        for (channel, items) in channels.channelLists(channels.hot, k: ArtifactLayout.channelListLength) { sets["hot", 0, Int32(channel)] = items.map(Int64.init) }
        for (channel, items) in channels.channelLists(channels.new, k: ArtifactLayout.channelListLength) { sets["new", 0, Int32(channel)] = items.map(Int64.init) }
        for item in catalog.articles.keys {
            sets["similar", Int64(item), 0] = channels.similar(to: item, k: ArtifactLayout.similarListLength).map(Int64.init)
        }
        return sets
    }

    /// Lists built from everything before each user's last 10 events, scored
    /// on the positives among those 10 (the online holdout).
    public static func evaluateRecall(catalog: Catalog, split: ProtocolSplit) -> [(String, RecallEvaluation.Scores)] {
        let history = split.rows.filter { $0.part != .online }.map(\.event)
        var holdout: [Int: Set<Int>] = [:]
        for row in split.rows where row.part == .online && row.event.label == 1 { holdout[row.event.user, default: []].insert(row.event.item) }
        let channels = RecallChannels(catalog: catalog, history: history)
        var lists: [String: [Int: [Int]]] = [:]
        for user in holdout.keys {
            let als = channels.alsCandidates(user: user, channel: 0, k: 200)
            let content = channels.contentCandidates(user: user, channel: 0, k: 200)
            let hot = channels.hotCandidates(user: user, channel: 0, k: 200)
            let new = channels.newCandidates(user: user, channel: 0, k: 200)
            lists["als", default: [:]][user] = als
            lists["content", default: [:]][user] = content
            lists["hot", default: [:]][user] = hot
            lists["new", default: [:]][user] = new
            lists["merged", default: [:]][user] = RecallChannels.interleave([als, hot, content, new]).items
        }
        return ["als", "content", "hot", "new", "merged"].map { ($0, RecallEvaluation.evaluate(lists: lists[$0] ?? [:], holdout: holdout)) }
    }
}
