// RecallService: serves the published recall lists, shaped by live behaviour (deploy/suite.json).
import Artifacts
import Experiments
import Pipeline
import RecallServer
import ServiceRuntime

ServiceMain.run("RecallService") { configuration, logger, _ in
    let artifacts = try ArtifactWatcher(store: ArtifactStore(root: configuration.artifacts), parts: .recall, logger: logger)
    artifacts.watch()
    let live = LiveFeatures(catalog: artifacts.current.catalog)
    let stores = try StoreBackend(configuration)
    live.follow(stores.eventSource(consumer: configuration.instanceName("RecallService")))
    let handler = RecallHandler(artifacts: artifacts, experiments: try ExperimentTable.load(path: configuration.experiments), live: live, logger: logger)
    let publisher = stores.channelLists().map { handler.publish(to: $0, channels: 0...configuration.feed.max_channel_id) }
    return ServiceDefinition(router: handler.router, onReload: { artifacts.reloadIfChanged() },
                             onShutdown: { publisher?.cancel(); artifacts.stop(); live.stop(); stores.close() })
}
