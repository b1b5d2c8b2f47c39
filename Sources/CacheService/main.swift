// CacheService: the level-1 cache over the durable wait list (deploy/suite.json).
import CacheServer
import ServiceRuntime

ServiceMain.run("CacheService") { configuration, logger, _ in
    let stores = try StoreBackend(configuration)
    let handler = CacheHandler(cache: try stores.feedCache(service: "CacheService"), logger: logger)
    return ServiceDefinition(router: handler.router, onShutdown: { stores.close() })
}
