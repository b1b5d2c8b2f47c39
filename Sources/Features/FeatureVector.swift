/// A sparse feature vector: column indices with values (1 for one-hot).
public struct FeatureVector: Sendable, Equatable {
    public var indices: [Int32] = []
    public var values: [Float] = []

    public init() {}

    public init(indices: [Int32], values: [Float]) {
        self.indices = indices
        self.values = values
    }

    public mutating func append(_ index: Int, _ value: Float = 1) {
        indices.append(Int32(index))
        values.append(value)
    }

    public var count: Int { indices.count }
}
