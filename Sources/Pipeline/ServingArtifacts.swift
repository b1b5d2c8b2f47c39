public import Artifacts
public import Dataset
public import Foundation
public import Models
import Features

/// One published version as the services hold it in memory: checked
/// against its manifest, then parsed. Immutable: a new version is a new value.
public struct ServingArtifacts: Sendable {
    public let version: String
    /// When the version was published.
    public let created: Date
    public let catalog: Catalog
    public let models: [String: RankingModel]
    public let recall: RecallSets
    /// Item id -> channel ids, for filtering lists by channel online.
    public let channelsOfItem: [Int64: [Int32]]

    /// What a service needs of a version: SortService has no use for the
    /// recall lists, nor RecallService for the models; only those are read.
    public struct Parts: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let models = Parts(rawValue: 1)
        public static let recall = Parts(rawValue: 2)
        public static let all: Parts = [.models, .recall]
    }

    public init(store: ArtifactStore, version: String? = nil, parts: Parts = .all) throws {
        let (manifest, files) = try store.load(version: version) { name in
            name.hasPrefix(ArtifactLayout.catalogPrefix + ".") || (parts.contains(.recall) && name == ArtifactLayout.recall)
                || (parts.contains(.models) && name.hasPrefix("model-"))
        }
        self.version = manifest.version
        created = ISO8601DateFormatter().date(from: manifest.created) ?? Date(timeIntervalSince1970: 0)
        let directory = "\(store.root)/\(manifest.version)"
        catalog = try AtomicFiles.load(files: Dictionary(uniqueKeysWithValues: files.map { ("\(directory)/\($0.key)", $0.value) }),
                                       directory: directory, prefix: ArtifactLayout.catalogPrefix)
        var models: [String: RankingModel] = [:]
        for name in ArtifactLayout.models where parts.contains(.models) {
            guard let data = files[ArtifactLayout.model(name)] else { continue }
            let model = try JSONDecoder().decode(RankingModel.self, from: data)
            // A model trained with another feature definition would score garbage (or fault): refuse the version.
            guard model.space.denseCount == DenseFeatures.count, model.standardizer.mean.count == DenseFeatures.count else {
                throw ArtifactError(description: "\(manifest.version): model \(name) has \(model.space.denseCount) dense features, this build defines \(DenseFeatures.count); retrain with this build")
            }
            models[name] = model
        }
        self.models = models
        if parts.contains(.recall) {
            guard let recallData = files[ArtifactLayout.recall] else { throw ArtifactError(description: "\(manifest.version): no \(ArtifactLayout.recall)") }
            recall = try RecallSets(serializedBytes: [UInt8](recallData))
        } else {
            recall = RecallSets()
        }
        var channels: [Int64: [Int32]] = [:]
        for id in catalog.articles.keys { channels[Int64(id)] = catalog.channelIDs(of: id).map(Int32.init) }
        channelsOfItem = channels
    }
}
