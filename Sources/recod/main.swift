// recod: the supervisor. Reads deploy/recod.conf (or --config FILE), keeps
// the programs alive, serves its control API, stops everything on SIGTERM.
import Foundation
import RPC
import SuiteMetrics
import Supervisor

let arguments = Array(CommandLine.arguments.dropFirst())
let path = arguments.firstIndex(of: "--config").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } ?? "deploy/recod.conf"
do {
    let configuration = try SupervisorConfiguration.load(path: path)
    let log = DecisionLog(path: configuration.settings.logfile)
    let supervisor = Supervisor(configuration: configuration, decisionLog: log.write)
    guard let control = RPCClient.Endpoint(configuration.settings.control) else { throw ConfigurationProblem(file: path, line: 0, reason: "control '\(configuration.settings.control)' is not host:port") }
    let server = RPCServer(configuration: .init(host: control.host, port: control.port), router: ControlService(supervisor: supervisor).router)
    try server.start()
    log.write("recod \(getpid()) started with \(path); control on \(control.host):\(server.port)")
    FileHandle.standardOutput.write(Data("control \(server.port)\n".utf8))
    supervisor.start()
    // The suite's metrics for Prometheus: every program with a health address is asked for its snapshot.
    guard let metricsAddress = RPCClient.Endpoint(configuration.settings.metrics) else { throw ConfigurationProblem(file: path, line: 0, reason: "metrics '\(configuration.settings.metrics)' is not host:port") }
    let exporter = try SuiteMetricsExporter(supervisor: supervisor, programs: configuration.programs.compactMap { program in program.health.flatMap(RPCClient.Endpoint.init).map { (program.name, $0) } },
                                            configuration: RPCClient.Configuration(maxBackoff: .milliseconds(500), tls: configuration.settings.clientTLS))
    let metrics = Task.detached {
        do {
            try await MetricsEndpoint.run(exporter, on: metricsAddress) { port in
                log.write("metrics on \(metricsAddress.host):\(port)/metrics")
                FileHandle.standardOutput.write(Data("metrics \(port)\n".utf8))
            }
        } catch {
            log.write("metrics endpoint: \(error)")
        }
    }
    let stopped = DispatchSemaphore(value: 0)
    Task.detached {
        for await signal in ProcessSignal.stream([.terminate, .interrupt, .hangup]) where signal != .hangup { break }
        log.write("recod stopping every program")
        metrics.cancel()
        exporter.shutdown()
        await supervisor.shutdown()
        await server.shutdown(grace: .seconds(1))
        log.write("recod stopped")
        stopped.signal()
    }
    stopped.wait()
} catch {
    FileHandle.standardError.write(Data("recod: \(error)\n".utf8))
    exit(2)
}
