// CacheService: the level-1 cache over the durable wait list (deploy/suite.json).
import CacheServer
import ServiceRuntime
import Stores

ServiceMain.run("CacheService") { configuration, logger, _ in
    let waitList = try SQLiteWaitList(path: try DataDirectory.database("CacheService", in: configuration.data_dir))
    let handler = CacheHandler(waitList: waitList, logger: logger)
    return ServiceDefinition(router: handler.router, onShutdown: { waitList.close() })
}
