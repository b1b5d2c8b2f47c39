import Foundation

/// The parameter table of deploy/experiments.json: strategies (recall
/// channels + sort models), and experiment layers that assign md5 buckets of
/// users to strategies. Layers hash md5(salt + user_id), so a user's bucket
/// in one layer says nothing about another (orthogonal layers); inside a
/// layer the 16 buckets are exclusive; the same user always lands in the
/// same bucket.
public struct ExperimentTable: Sendable, Equatable, Decodable {
    public struct Strategy: Sendable, Equatable, Decodable {
        public let id: Int
        /// Recall channel ids (keys of `recallChannels`); empty in a later
        /// layer means "keep the base strategy's".
        public let recall: [Int64]
        /// Sort model ids (keys of `sortModels`); same rule.
        public let sort: [Int64]
    }

    public struct Layer: Sendable, Equatable, Decodable {
        public let name: String
        public let salt: String
        /// Hex bucket "0"..."f" -> strategy name ("" = not in this layer's experiment).
        public let buckets: [String: String]
    }

    /// Recall channel id -> source name (als, content, online, new, hot, similar).
    public let recallChannels: [String: String]
    /// Sort model id -> published model name (lr, fm16).
    public let sortModels: [String: String]
    public let strategies: [String: Strategy]
    public let layers: [Layer]

    enum CodingKeys: String, CodingKey {
        case recallChannels = "recall_channels", sortModels = "sort_models", strategies, layers
    }

    public static let recallSources: Set<String> = ["als", "content", "online", "new", "hot", "similar"]

    /// Reads and checks a table; every problem is reported with its place.
    public static func load(path: String) throws -> ExperimentTable {
        guard let data = FileManager.default.contents(atPath: path) else { throw ExperimentError("\(path): cannot read") }
        let table: ExperimentTable
        do {
            table = try JSONDecoder().decode(ExperimentTable.self, from: data)
        } catch {
            throw ExperimentError("\(path): \(error)")
        }
        try table.validate(path)
        return table
    }

    func validate(_ path: String) throws {
        for (id, source) in recallChannels where !Self.recallSources.contains(source) || Int64(id) == nil {
            throw ExperimentError("\(path): recall_channels[\(id)] = '\(source)': the id must be an integer and the source one of \(Self.recallSources.sorted())")
        }
        for id in sortModels.keys where Int64(id) == nil { throw ExperimentError("\(path): sort_models key '\(id)' is not an integer") }
        for (name, strategy) in strategies {
            for id in strategy.recall where recallChannels[String(id)] == nil {
                throw ExperimentError("\(path): strategy \(name): unknown recall channel \(id)")
            }
            for id in strategy.sort where sortModels[String(id)] == nil {
                throw ExperimentError("\(path): strategy \(name): unknown sort model \(id)")
            }
        }
        guard let base = layers.first else { throw ExperimentError("\(path): no layers") }
        for layer in layers {
            for bucket in Self.hexDigits {
                guard let name = layer.buckets[bucket] else { throw ExperimentError("\(path): layer \(layer.name): bucket '\(bucket)' unassigned") }
                guard name.isEmpty || strategies[name] != nil else { throw ExperimentError("\(path): layer \(layer.name): bucket '\(bucket)' -> unknown strategy '\(name)'") }
                if layer == base, name.isEmpty || strategies[name]!.recall.isEmpty || strategies[name]!.sort.isEmpty {
                    throw ExperimentError("\(path): layer \(layer.name) is the base layer: bucket '\(bucket)' needs a strategy with recall and sort")
                }
            }
            for bucket in layer.buckets.keys where !Self.hexDigits.contains(bucket) {
                throw ExperimentError("\(path): layer \(layer.name): '\(bucket)' is not a hex bucket")
            }
        }
        if Set(layers.map(\.salt)).count != layers.count { throw ExperimentError("\(path): layers need distinct salts") }
    }

    static let hexDigits = (0..<16).map { String($0, radix: 16) }

    /// What a user gets: the base layer's strategy, with later layers'
    /// strategies overriding recall or sort where they set them.
    public func assign(user: String) -> Assignment {
        var recall: [Int64] = [], sort: [Int64] = [], names: [String] = []
        for layer in layers {
            let bucket = MD5.bucket(layer.salt + user)
            guard let name = layer.buckets[bucket], !name.isEmpty, let strategy = strategies[name] else { continue }
            names.append(name)
            if !strategy.recall.isEmpty { recall = strategy.recall }
            if !strategy.sort.isEmpty { sort = strategy.sort }
        }
        return Assignment(name: names.joined(separator: "+"), recall: recall, sort: sort)
    }
}

/// A user's strategy: `name` is the tracking `algorithmCombine`.
public struct Assignment: Sendable, Equatable {
    public let name: String
    public let recall: [Int64]
    public let sort: [Int64]
}

public struct ExperimentError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension ExperimentTable {
    /// The recall channel ids of the named sources.
    public func sourceIDs(_ names: [String]) -> [Int64] {
        names.compactMap { name in recallChannels.first { $0.value == name }.flatMap { Int64($0.key) } }
    }
}
