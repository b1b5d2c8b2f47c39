import Foundation
public import Dataset
import Features

/// The protocol's metrics of one model on the test split.
public struct EvaluationReport: Sendable, Codable, Equatable {
    public let model: String
    public let auc: Double
    public let gauc: Double
    public let wgauc: Double
    public let logloss: Double
    public let n_test: Int
    public let epochs: Int
    public let learning_rate: Float
    public let l2: Float
    public let train_seconds: Double
    /// The seeds of the final fits whose logits the served model averages,
    /// and each one's test AUC alone (the seed-to-seed spread).
    public let seeds: [UInt64]
    public let seed_aucs: [Double]
}

/// Trains a ranking model as the protocol prescribes: point-in-time rows,
/// epochs chosen by early stopping on the tuning split (inner train ->
/// inner validation, never test), then a refit on all of train for that
/// many epochs, scored on test.
public enum RankingTraining {
    public struct Result: Sendable {
        public let model: RankingModel
        public let report: EvaluationReport
        /// (user, item, label, score) for every test row, in split order.
        public let predictions: [(Int, Int, Int, Double)]
    }

    struct Rows {
        var vectors: [FeatureVector]
        var labels: [Int]
        var users: [Int]
        var items: [Int]
    }

    static func rows(_ events: [Interaction], history: [Interaction], catalog: Catalog, space: FeatureSpace,
                     priors: DenseFeatures.Priors, standardizer: Standardizer?) -> (Rows, Standardizer) {
        let replayed = PointInTimeReplay.rows(history: history, rows: events, catalog: catalog, priors: priors)
        let scaler = standardizer ?? Standardizer(fitting: replayed.map(\.dense))
        var userCache: [Int: FeatureVector] = [:], articleCache: [Int: FeatureVector] = [:]
        var out = Rows(vectors: [], labels: [], users: [], items: [])
        for row in replayed {
            let e = row.event
            let u = userCache[e.user] ?? space.userColumns(catalog.users[e.user])
            userCache[e.user] = u
            let a = articleCache[e.item] ?? space.articleColumns(catalog.articles[e.item])
            articleCache[e.item] = a
            out.vectors.append(space.row(user: u, article: a, dense: scaler.apply(row.dense)))
            out.labels.append(e.label)
            out.users.append(e.user)
            out.items.append(e.item)
        }
        return (out, scaler)
    }

    static func priors(_ train: [Interaction]) -> DenseFeatures.Priors {
        let n = Double(max(train.count, 1))
        return DenseFeatures.Priors(positiveRate: Double(train.reduce(0) { $0 + $1.label }) / n,
                                    meanRating: train.reduce(0.0) { $0 + $1.rating } / n)
    }

    /// `grid`: the settings to try; the one with the lowest inner-validation
    /// logloss (at its best epoch) is refit on train.
    /// `seeds`: one final fit per seed, averaged in the served model.
    public static func run(name: String, catalog: Catalog, split: ProtocolSplit, grid: [TrainingSettings], seeds: [UInt64] = [0],
                           progress: (String) -> Void = { _ in }) -> Result {
        let space = FeatureSpace(catalog: catalog)
        let train = split.rows(.train), test = split.rows(.test)
        let innerTrain = split.rows.filter(\.innerTrain).map(\.event)
        let innerValidation = split.rows.filter { $0.part == .train && !$0.innerTrain }.map(\.event)

        // Tuning: every setting, epochs by early stopping on inner-validation logloss.
        let innerPriors = priors(innerTrain)
        let (fit, scaler) = rows(innerTrain, history: innerTrain, catalog: catalog, space: space, priors: innerPriors, standardizer: nil)
        let (validation, _) = rows(innerValidation, history: innerTrain, catalog: catalog, space: space, priors: innerPriors, standardizer: scaler)
        var chosen = (loss: Double.infinity, epochs: 1, settings: grid[0])
        for settings in grid {
            var trainer = FactorizationMachineTrainer(columns: space.columns, positiveRate: innerPriors.positiveRate, settings: settings)
            var best = (loss: Double.infinity, epochs: 1), sinceBest = 0
            for epoch in 1...settings.maxEpochs {
                trainer.epoch(fit.vectors, labels: fit.labels)
                let loss = RankingMetrics.logloss(labels: validation.labels, probabilities: validation.vectors.map { Double(trainer.model.probability($0)) })
                if loss < best.loss - 1e-5 {
                    best = (loss, epoch)
                    sinceBest = 0
                } else {
                    sinceBest += 1
                    if sinceBest >= settings.patience { break }
                }
            }
            progress("\(name) lr \(settings.learningRate) l2 \(settings.l2): inner-validation logloss \(String(format: "%.4f", best.loss)) at epoch \(best.epochs)")
            if best.loss < chosen.loss { chosen = (best.loss, best.epochs, settings) }
        }
        let settings = chosen.settings

        // Refit on all of train for the chosen epochs; score test.
        let trainPriors = priors(train)
        let (trainRows, trainScaler) = rows(train, history: train, catalog: catalog, space: space, priors: trainPriors, standardizer: nil)
        let (testRows, _) = rows(test, history: train, catalog: catalog, space: space, priors: trainPriors, standardizer: trainScaler)
        let started = ContinuousClock.now
        let machines = seeds.map { seed in
            var seeded = settings
            seeded.seed = seed
            var final = FactorizationMachineTrainer(columns: space.columns, positiveRate: trainPriors.positiveRate, settings: seeded)
            for _ in 0..<chosen.epochs { final.epoch(trainRows.vectors, labels: trainRows.labels) }
            return final.model
        }
        let seconds = started.duration(to: .now)
        let model = RankingModel(name: name, space: space, priors: trainPriors, standardizer: trainScaler, machines: machines)
        let scores = testRows.vectors.map { Double(model.probability($0)) }
        let seedAUCs = machines.map { machine in RankingMetrics.auc(labels: testRows.labels, scores: testRows.vectors.map { Double(machine.probability($0)) }) ?? 0 }
        let grouped = RankingMetrics.gauc(users: testRows.users, labels: testRows.labels, scores: scores)
        let report = EvaluationReport(
            model: name,
            auc: RankingMetrics.auc(labels: testRows.labels, scores: scores) ?? 0,
            gauc: grouped.gauc, wgauc: grouped.weighted,
            logloss: RankingMetrics.logloss(labels: testRows.labels, probabilities: scores),
            n_test: testRows.labels.count, epochs: chosen.epochs, learning_rate: settings.learningRate, l2: settings.l2,
            train_seconds: Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18,
            seeds: seeds, seed_aucs: seedAUCs
        )
        let predictions = (0..<scores.count).map { (testRows.users[$0], testRows.items[$0], testRows.labels[$0], scores[$0]) }
        return Result(model: model, report: report, predictions: predictions)
    }
}
