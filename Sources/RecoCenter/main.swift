// RecoCenter: refresh and history paging over recall, sort and cache (deploy/suite.json).
import Experiments
import FeedService
import RPC
import ServiceRuntime

ServiceMain.run("RecoCenter") { configuration, logger, loop in
    let stores = try StoreBackend(configuration)
    let history = try stores.history(service: "RecoCenter")
    let clients = configuration.internalClient
    let handler = FeedHandler(
        history: history,
        dependencies: .init(recall: try RPCClient(endpoints: try configuration.endpoints("RecallService"), configuration: clients, loop: loop),
                            sort: try RPCClient(endpoints: try configuration.endpoints("SortService"), configuration: clients, loop: loop),
                            cache: try RPCClient(endpoints: try configuration.endpoints("CacheService"), configuration: clients, loop: loop)),
        logger: logger, recallCount: configuration.feed.recall_count, defaultBudget: .milliseconds(configuration.feed.default_deadline_ms))
    let table = try ExperimentTable.load(path: configuration.experiments)
    let upkeep = handler.maintain(channels: 0...configuration.feed.max_channel_id, hotAndNew: table.sourceIDs(["hot", "new"]))
    return ServiceDefinition(router: handler.router, onShutdown: { upkeep.cancel(); stores.close() })
}
