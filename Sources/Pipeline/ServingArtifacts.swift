public import Artifacts
public import Dataset
import Foundation
public import Models
import Features

/// One published version as the services hold it in memory: checked
/// against its manifest, then parsed. Immutable: a new version is a new value.
public struct ServingArtifacts: Sendable {
    public let version: String
    public let catalog: Catalog
    public let models: [String: RankingModel]
    public let recall: RecallSets
    /// Item id -> channel ids, for filtering lists by channel online.
    public let channelsOfItem: [Int64: [Int32]]

    public init(store: ArtifactStore, version: String? = nil) throws {
        let (manifest, files) = try store.load(version: version)
        self.version = manifest.version
        catalog = try AtomicFiles.load(directory: "\(store.root)/\(manifest.version)", prefix: ArtifactLayout.catalogPrefix)
        var models: [String: RankingModel] = [:]
        for name in ArtifactLayout.models {
            guard let data = files[ArtifactLayout.model(name)] else { continue }
            let model = try JSONDecoder().decode(RankingModel.self, from: data)
            // A model trained with another feature definition would score garbage (or fault): refuse the version.
            guard model.space.denseCount == DenseFeatures.count, model.standardizer.mean.count == DenseFeatures.count else {
                throw ArtifactError(description: "\(manifest.version): model \(name) has \(model.space.denseCount) dense features, this build defines \(DenseFeatures.count); retrain with this build")
            }
            models[name] = model
        }
        self.models = models
        guard let recallData = files[ArtifactLayout.recall] else { throw ArtifactError(description: "\(manifest.version): no \(ArtifactLayout.recall)") }
        recall = try RecallSets(serializedBytes: [UInt8](recallData))
        var channels: [Int64: [Int32]] = [:]
        for id in catalog.articles.keys { channels[Int64(id)] = catalog.channelIDs(of: id).map(Int32.init) }
        channelsOfItem = channels
    }
}
