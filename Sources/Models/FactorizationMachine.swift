import Dataset
import Foundation
public import Features

/// A degree-2 factorization machine over sparse rows; with `factors == 0`
/// it is logistic regression. Scoring is the same code offline and online.
public struct FactorizationMachine: Sendable, Codable, Equatable {
    public let columns: Int
    public let factors: Int
    public var bias: Float
    public var weights: [Float]
    /// Row-major: column i's factor vector is `vectors[i*factors ..< (i+1)*factors]`.
    public var vectors: [Float]

    public init(columns: Int, factors: Int, bias: Float, seed: UInt64) {
        self.columns = columns
        self.factors = factors
        self.bias = bias
        weights = [Float](repeating: 0, count: columns)
        var rng = SeededGenerator(seed: seed)
        vectors = (0..<(columns * factors)).map { _ in Float(rng.normal() * 0.01) }
    }

    /// The logit of a row.
    public func logit(_ row: FeatureVector) -> Float {
        var total = bias
        for (i, x) in zip(row.indices, row.values) { total += weights[Int(i)] * x }
        guard factors > 0 else { return total }
        var interaction: Float = 0
        for f in 0..<factors {
            var sum: Float = 0, squares: Float = 0
            for (i, x) in zip(row.indices, row.values) {
                let v = vectors[Int(i) * factors + f] * x
                sum += v
                squares += v * v
            }
            interaction += sum * sum - squares
        }
        return total + interaction / 2
    }

    public func probability(_ row: FeatureVector) -> Float {
        1 / (1 + exp(-logit(row)))
    }
}

/// Training settings (the protocol's grid: lr in {2e-3, 5e-3}, l2 in {3e-3 ... 1e-1}).
public struct TrainingSettings: Sendable, Codable, Equatable {
    public var factors: Int
    public var learningRate: Float
    public var l2: Float
    public var batchSize: Int
    public var maxEpochs: Int
    public var patience: Int
    public var seed: UInt64

    public init(factors: Int, learningRate: Float = 5e-3, l2: Float = 1e-2, batchSize: Int = 512, maxEpochs: Int = 40, patience: Int = 3, seed: UInt64 = 0) {
        self.factors = factors
        self.learningRate = learningRate
        self.l2 = l2
        self.batchSize = batchSize
        self.maxEpochs = maxEpochs
        self.patience = patience
        self.seed = seed
    }
}

/// Minibatch logloss + `l2/2 * sum x_i^2 (w_i^2 + |v_i|^2)` over the columns
/// present in the batch, minimised with Adam (lazy: a column's moments move
/// only when it appears).
public struct FactorizationMachineTrainer {
    public var model: FactorizationMachine
    let settings: TrainingSettings
    private var mW: [Float], vW: [Float], mV: [Float], vV: [Float]
    private var mB: Float = 0, vB: Float = 0
    private var step: Float = 0
    private var rng: SeededGenerator

    public init(columns: Int, positiveRate: Double, settings: TrainingSettings) {
        let bias = Float(log(positiveRate / (1 - positiveRate)))
        model = FactorizationMachine(columns: columns, factors: settings.factors, bias: bias, seed: settings.seed)
        self.settings = settings
        mW = [Float](repeating: 0, count: columns)
        vW = mW
        mV = [Float](repeating: 0, count: columns * settings.factors)
        vV = mV
        rng = SeededGenerator(seed: settings.seed &+ 1)
    }

    /// One pass over `rows` in a seeded random order.
    public mutating func epoch(_ rows: [FeatureVector], labels: [Int]) {
        var order = Array(rows.indices)
        order.shuffle(using: &rng)
        var start = 0
        while start < order.count {
            let batch = order[start..<min(start + settings.batchSize, order.count)]
            update(batch.map { rows[$0] }, batch.map { labels[$0] })
            start += settings.batchSize
        }
    }

    private mutating func update(_ rows: [FeatureVector], _ labels: [Int]) {
        let k = settings.factors, n = Float(rows.count)
        var gW: [Int32: Float] = [:]
        var gV: [Int32: [Float]] = [:]
        var gB: Float = 0
        var square: [Int32: Float] = [:]
        for (row, label) in zip(rows, labels) {
            let error = (model.probability(row) - Float(label)) / n
            gB += error
            var sums = [Float](repeating: 0, count: k)
            for (i, x) in zip(row.indices, row.values) {
                gW[i, default: 0] += error * x
                square[i, default: 0] += x * x
                for f in 0..<k { sums[f] += model.vectors[Int(i) * k + f] * x }
            }
            guard k > 0 else { continue }
            for (i, x) in zip(row.indices, row.values) {
                var g = gV[i] ?? [Float](repeating: 0, count: k)
                for f in 0..<k { g[f] += error * x * (sums[f] - model.vectors[Int(i) * k + f] * x) }
                gV[i] = g
            }
        }
        step += 1
        let (beta1, beta2, epsilon): (Float, Float, Float) = (0.9, 0.999, 1e-8)
        let correction1 = 1 - pow(beta1, step), correction2 = 1 - pow(beta2, step)
        let rate = settings.learningRate * sqrt(correction2) / correction1
        func adam(_ g: Float, _ m: inout Float, _ v: inout Float) -> Float {
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            return rate * m / (sqrt(v) + epsilon)
        }
        model.bias -= adam(gB, &mB, &vB)
        let l2 = settings.l2
        for (i, g) in gW {
            let j = Int(i)
            let regularised = g + l2 * (square[i] ?? 0) / n * model.weights[j]
            model.weights[j] -= adam(regularised, &mW[j], &vW[j])
        }
        for (i, g) in gV {
            let base = Int(i) * k, reg = l2 * (square[i] ?? 0) / n
            for f in 0..<k {
                let j = base + f
                model.vectors[j] -= adam(g[f] + reg * model.vectors[j], &mV[j], &vV[j])
            }
        }
    }
}
