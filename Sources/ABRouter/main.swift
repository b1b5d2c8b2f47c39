// ABRouter: the public front door (deploy/suite.json, deploy/experiments.json).
import RPC
import RouterService
import ServiceRuntime

ServiceMain.run("ABRouter") { configuration, logger, loop in
    let experiments = try ExperimentConfig(path: configuration.experiments, logger: logger)
    let clients = RPCClient.Configuration(maxBackoff: .milliseconds(500))
    var limits = RouterHandler.Limits()
    limits.maxChannelID = configuration.feed.max_channel_id
    limits.maxArticleNum = configuration.feed.max_article_num
    limits.defaultBudget = .milliseconds(configuration.feed.default_deadline_ms)
    let handler = RouterHandler(
        experiments: experiments,
        feed: try RPCClient(endpoints: try configuration.endpoints("RecoCenter"), configuration: clients, loop: loop),
        recall: try RPCClient(endpoints: try configuration.endpoints("RecallService"), configuration: clients, loop: loop),
        limits: limits, logger: logger)
    return ServiceDefinition(router: handler.router, onReload: { experiments.reload() })
}
