// ABRouter: the public front door (deploy/suite.json, deploy/experiments.json):
// UserRecommend for the backend and the app, Behavior for what users did.
import RPC
import RouterService
import ServiceRuntime

ServiceMain.run("ABRouter") { configuration, logger, loop in
    let experiments = try ExperimentConfig(path: configuration.experiments, logger: logger)
    let clients = configuration.internalClient
    var limits = RouterHandler.Limits()
    limits.maxChannelID = configuration.feed.max_channel_id
    limits.maxArticleNum = configuration.feed.max_article_num
    limits.defaultBudget = .milliseconds(configuration.feed.default_deadline_ms)
    let stores = try StoreBackend(configuration)
    let recommend = RouterHandler(
        experiments: experiments,
        feed: try RPCClient(endpoints: try configuration.endpoints("RecoCenter"), configuration: clients, loop: loop),
        recall: try RPCClient(endpoints: try configuration.endpoints("RecallService"), configuration: clients, loop: loop),
        channelLists: stores.channelLists(), limits: limits, logger: logger)
    let behavior = BehaviorHandler(log: try stores.eventSink(), cache: try RPCClient(endpoints: try configuration.endpoints("CacheService"), configuration: clients, loop: loop),
                                   logger: logger, maxChannelID: configuration.feed.max_channel_id)
    var router = recommend.router
    router.merge(behavior.router)
    return ServiceDefinition(router: router, onReload: { experiments.reload() }, onShutdown: { stores.close() })
}
