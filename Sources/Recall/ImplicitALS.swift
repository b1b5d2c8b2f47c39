import Dataset

/// Implicit-feedback matrix factorisation (Hu, Koren and Volinsky 2008) by
/// alternating least squares: each user's (and item's) factors solve
/// (YᵀY + Yᵀ(C−I)Y + λI) x = YᵀC p exactly, by Cholesky.
public struct ImplicitALS: Sendable {
    public let factors: Int
    public var userFactors: [Int: [Double]] = [:]
    public var itemFactors: [Int: [Double]] = [:]

    public struct Settings: Sendable {
        public var factors = 32
        public var iterations = 12
        public var regularization = 0.1
        /// Confidence of an observed preference: 1 + alpha * strength.
        public var alpha = 20.0
        public var seed: UInt64 = 0

        public init() {}
    }

    /// `observations`: (user, item, strength) with strength > 0.
    public init(observations: [(user: Int, item: Int, strength: Double)], settings: Settings = Settings()) {
        factors = settings.factors
        let byUser = Dictionary(grouping: observations, by: \.user).mapValues { $0.map { ($0.item, $0.strength) } }
        let byItem = Dictionary(grouping: observations, by: \.item).mapValues { $0.map { ($0.user, $0.strength) } }
        var rng = SeededGenerator(seed: settings.seed)
        // Sorted: dictionary order changes per process, the result must not.
        for item in byItem.keys.sorted() { itemFactors[item] = (0..<factors).map { _ in (rng.unit() - 0.5) * 0.1 } }
        for user in byUser.keys.sorted() { userFactors[user] = (0..<factors).map { _ in (rng.unit() - 0.5) * 0.1 } }
        for _ in 0..<settings.iterations {
            userFactors = Self.solve(byUser, fixed: itemFactors, factors: factors, settings: settings)
            itemFactors = Self.solve(byItem, fixed: userFactors, factors: factors, settings: settings)
        }
    }

    public func score(user: Int, item: Int) -> Double {
        guard let u = userFactors[user], let v = itemFactors[item] else { return 0 }
        return zip(u, v).reduce(0) { $0 + $1.0 * $1.1 }
    }

    static func solve(_ rows: [Int: [(Int, Double)]], fixed: [Int: [Double]], factors f: Int, settings: Settings) -> [Int: [Double]] {
        // YᵀY once for all rows, summed in id order: in dictionary order the
        // floating-point sums (so the factors and the published recall lists)
        // changed from one run to the next.
        var gram = [Double](repeating: 0, count: f * f)
        for id in fixed.keys.sorted() {
            guard let y = fixed[id] else { continue }
            for a in 0..<f { for b in a..<f { gram[a * f + b] += y[a] * y[b] } }
        }
        for a in 0..<f { for b in 0..<a { gram[a * f + b] = gram[b * f + a] } }
        var result: [Int: [Double]] = [:]
        result.reserveCapacity(rows.count)
        for (id, observed) in rows {
            var matrix = gram
            var rhs = [Double](repeating: 0, count: f)
            for (other, strength) in observed {
                guard let y = fixed[other] else { continue }
                let confidence = 1 + settings.alpha * strength
                for a in 0..<f {
                    rhs[a] += confidence * y[a]
                    let scaled = (confidence - 1) * y[a]
                    for b in 0..<f { matrix[a * f + b] += scaled * y[b] }
                }
            }
            for a in 0..<f { matrix[a * f + a] += settings.regularization }
            result[id] = Cholesky.solve(matrix, rhs, size: f)
        }
        return result
    }
}

/// Solves A x = b for symmetric positive definite A (row-major n×n).
enum Cholesky {
    static func solve(_ a: [Double], _ b: [Double], size n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    l[i * n + i] = sum > 1e-12 ? sum.squareRoot() : 1e-6
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<max(n, i + 1) { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}
