import Features
import Models
import Testing
import TestSupport

@Suite("factorization machine", .ownThread)
struct FactorizationMachineTests {
    /// Labels that depend only on an interaction of two one-hot fields (XOR):
    /// no linear model can learn it; an FM can.
    static func xorData() -> ([FeatureVector], [Int]) {
        var rows: [FeatureVector] = [], labels: [Int] = []
        for i in 0..<4000 {
            let a = i % 2, b = (i / 2) % 2
            rows.append(FeatureVector(indices: [Int32(a), Int32(2 + b)], values: [1, 1]))
            labels.append(a ^ b)
        }
        return (rows, labels)
    }

    func auc(_ model: FactorizationMachine, _ rows: [FeatureVector], _ labels: [Int]) -> Double {
        RankingMetrics.auc(labels: labels, scores: rows.map { Double(model.probability($0)) }) ?? 0
    }

    @Test("an FM learns a pairwise interaction that logistic regression cannot")
    func learnsInteraction() {
        let (rows, labels) = Self.xorData()
        var fm = FactorizationMachineTrainer(columns: 4, positiveRate: 0.5, settings: TrainingSettings(factors: 4, learningRate: 0.05, l2: 0, batchSize: 64))
        var lr = FactorizationMachineTrainer(columns: 4, positiveRate: 0.5, settings: TrainingSettings(factors: 0, learningRate: 0.05, l2: 0, batchSize: 64))
        for _ in 0..<30 {
            fm.epoch(rows, labels: labels)
            lr.epoch(rows, labels: labels)
        }
        #expect(auc(fm.model, rows, labels) > 0.99)
        #expect(auc(lr.model, rows, labels) < 0.6)
    }

    @Test("logistic regression learns a linear signal, and training is reproducible from the seed")
    func learnsLinearAndIsDeterministic() {
        var rows: [FeatureVector] = [], labels: [Int] = []
        for i in 0..<3000 {
            let column = i % 10
            rows.append(FeatureVector(indices: [Int32(column)], values: [1]))
            labels.append((i * 7919) % 10 < column ? 1 : 0)   // P(click) rises with the column
        }
        func train() -> FactorizationMachine {
            var trainer = FactorizationMachineTrainer(columns: 10, positiveRate: 0.45, settings: TrainingSettings(factors: 0, learningRate: 0.05, l2: 1e-3, batchSize: 128, seed: 7))
            for _ in 0..<20 { trainer.epoch(rows, labels: labels) }
            return trainer.model
        }
        let model = train()
        #expect(auc(model, rows, labels) > 0.8)
        let weights = model.weights
        #expect(weights[9] > weights[5] && weights[5] > weights[0])
        #expect(train() == model)
    }

    @Test("the FM logit equals the explicit pairwise sum")
    func logitMatchesDefinition() {
        var trainer = FactorizationMachineTrainer(columns: 5, positiveRate: 0.3, settings: TrainingSettings(factors: 3, seed: 3))
        let (rows, labels) = Self.xorData()
        trainer.epoch(rows.map { FeatureVector(indices: $0.indices + [4], values: $0.values + [0.5]) }, labels: labels)
        let m = trainer.model
        let row = FeatureVector(indices: [0, 3, 4], values: [1, 1, 0.5])
        var expected = m.bias
        for (i, x) in zip(row.indices, row.values) { expected += m.weights[Int(i)] * x }
        for a in 0..<row.count {
            for b in (a + 1)..<row.count {
                let i = Int(row.indices[a]), j = Int(row.indices[b])
                let dot = (0..<3).reduce(Float(0)) { $0 + m.vectors[i * 3 + $1] * m.vectors[j * 3 + $1] }
                expected += dot * row.values[a] * row.values[b]
            }
        }
        #expect(abs(m.logit(row) - expected) < 1e-5)
    }

    @Test("a row scored as a shared part plus its own columns has the full row's logit, for FM and LR")
    func sharedPartPlusRestEqualsFullRow() {
        let (rows, labels) = Self.xorData()
        for factors in [0, 3, 8, 19] {
            var trainer = FactorizationMachineTrainer(columns: 5, positiveRate: 0.3, settings: TrainingSettings(factors: factors, seed: 5))
            trainer.epoch(rows.map { FeatureVector(indices: $0.indices + [4], values: $0.values + [0.5]) }, labels: labels)
            let m = trainer.model
            let scorer = FactorScorer(m)
            let shared = scorer.partial(FeatureVector(indices: [0, 4], values: [1, 0.5]))
            var scratch: [FactorScorer.Lane] = []
            for rest in [FeatureVector(), FeatureVector(indices: [2], values: [1]), FeatureVector(indices: [1, 3], values: [1, -2])] {
                let full = FeatureVector(indices: [0, 4] + rest.indices, values: [1, 0.5] + rest.values)
                #expect(abs(scorer.logit(shared, plus: rest, scratch: &scratch) - m.logit(full)) < 1e-5, "factors \(factors), rest \(rest.indices)")
                // The rest in two parts, as SortService passes an item's columns and its dense statistics.
                let (first, second) = (FeatureVector(indices: Array(rest.indices.prefix(1)), values: Array(rest.values.prefix(1))),
                                       FeatureVector(indices: Array(rest.indices.dropFirst()), values: Array(rest.values.dropFirst())))
                #expect(abs(scorer.logit(shared, plus: first, second, scratch: &scratch) - m.logit(full)) < 1e-5)
            }
        }
    }
}
