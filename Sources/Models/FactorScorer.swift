public import Features

/// A machine laid out for serving: many rows that share a part (one user's
/// columns) are scored by walking only each row's own columns, and the factor
/// vectors sit in 8-wide lanes (zero-padded past `factors`), so a column adds
/// to the per-factor sums and squares in `factors / 8` vector steps instead of
/// one step per factor. Padding lanes are zero and add nothing.
public struct FactorScorer: Sendable, Equatable {
    public typealias Lane = SIMD8<Float>

    let bias: Float
    let weights: [Float]
    /// Column i's factors are `lanes[i * width ..< (i + 1) * width]`.
    let lanes: [Lane]
    /// Lanes per column (0 for logistic regression).
    let width: Int

    public init(_ machine: FactorizationMachine) {
        bias = machine.bias
        weights = machine.weights
        width = (machine.factors + Lane.scalarCount - 1) / Lane.scalarCount
        var lanes = [Lane](repeating: Lane(), count: machine.columns * width)
        for column in 0..<machine.columns {
            for factor in 0..<machine.factors {
                lanes[column * width + factor / Lane.scalarCount][factor % Lane.scalarCount] = machine.vectors[column * machine.factors + factor]
            }
        }
        self.lanes = lanes
    }

    /// What the shared columns contribute: the linear term and, per factor,
    /// the sum and the sum of squares.
    public struct Partial: Sendable {
        var linear: Float
        var sums: [Lane]
        var squares: [Lane]
    }

    public func partial(_ shared: FeatureVector) -> Partial {
        var partial = Partial(linear: bias, sums: [Lane](repeating: Lane(), count: width), squares: [Lane](repeating: Lane(), count: width))
        for (i, x) in zip(shared.indices, shared.values) {
            partial.linear += weights[Int(i)] * x
            let base = Int(i) * width
            for lane in 0..<width {
                let v = lanes[base + lane] * x
                partial.sums[lane] += v
                partial.squares[lane] += v * v
            }
        }
        return partial
    }

    /// The logit of the row `shared + first + second` (SortService passes an
    /// item's columns and its dense statistics). `scratch` is working space
    /// reused across calls, so scoring a row allocates nothing.
    public func logit(_ shared: Partial, plus first: FeatureVector, _ second: FeatureVector = FeatureVector(), scratch: inout [Lane]) -> Float {
        var total = shared.linear
        addLinear(first, to: &total)
        addLinear(second, to: &total)
        guard width > 0 else { return total }
        if scratch.count < 2 * width { scratch = [Lane](repeating: Lane(), count: 2 * width) }
        for lane in 0..<width {
            scratch[lane] = shared.sums[lane]
            scratch[width + lane] = shared.squares[lane]
        }
        accumulate(first, into: &scratch)
        accumulate(second, into: &scratch)
        var interaction = Lane()
        for lane in 0..<width { interaction += scratch[lane] * scratch[lane] - scratch[width + lane] }
        return total + interaction.sum() / 2
    }

    private func addLinear(_ part: FeatureVector, to total: inout Float) {
        for k in 0..<min(part.indices.count, part.values.count) { total += weights[Int(part.indices[k])] * part.values[k] }
    }

    /// Adds a part's per-factor sums (first `width` lanes of `scratch`) and squares (the next `width`).
    private func accumulate(_ part: FeatureVector, into scratch: inout [Lane]) {
        for k in 0..<min(part.indices.count, part.values.count) {
            let base = Int(part.indices[k]) * width, x = part.values[k]
            for lane in 0..<width {
                let v = lanes[base + lane] * x
                scratch[lane] += v
                scratch[width + lane] += v * v
            }
        }
    }
}
