// SortService: ranks candidates with the published models over live statistics (deploy/suite.json).
import Artifacts
import Experiments
import Pipeline
import ServiceRuntime
import SortServer

ServiceMain.run("SortService") { configuration, logger, _ in
    let artifacts = try ArtifactWatcher(store: ArtifactStore(root: configuration.artifacts), parts: .models, logger: logger)
    artifacts.watch()
    let handler = RankHandler(artifacts: artifacts, experiments: try ExperimentTable.load(path: configuration.experiments), logger: logger)
    handler.warmUp()
    artifacts.whenChanged { _ in handler.warmUp() }
    let stores = try StoreBackend(configuration)
    let follower = EventFollower(source: stores.eventSource(consumer: configuration.instanceName("SortService")), logger: logger) { handler.observe($0) }
    return ServiceDefinition(router: handler.router, onReload: { artifacts.reloadIfChanged() }, onShutdown: { artifacts.stop(); follower.stop(); stores.close() })
}
