public import Artifacts
public import Dataset
import Foundation
public import Models

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
            models[name] = try JSONDecoder().decode(RankingModel.self, from: data)
        }
        self.models = models
        guard let recallData = files[ArtifactLayout.recall] else { throw ArtifactError(description: "\(manifest.version): no \(ArtifactLayout.recall)") }
        recall = try RecallSets(serializedBytes: [UInt8](recallData))
        var channels: [Int64: [Int32]] = [:]
        for id in catalog.articles.keys { channels[Int64(id)] = catalog.channelIDs(of: id).map(Int32.init) }
        channelsOfItem = channels
    }
}
