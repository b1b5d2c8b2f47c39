import Foundation
public import Logging
public import RPC

/// What a service's library hands the runtime: its methods, and what to do
/// on SIGHUP and at shutdown.
public struct ServiceDefinition: Sendable {
    public var router: RPCRouter
    public var onReload: @Sendable () -> Void
    public var onShutdown: @Sendable () async -> Void

    public init(router: RPCRouter, onReload: @escaping @Sendable () -> Void = {}, onShutdown: @escaping @Sendable () async -> Void = {}) {
        self.router = router
        self.onReload = onReload
        self.onShutdown = onShutdown
    }
}

/// The whole of each service's `main`: read the configuration, build the
/// service, serve until SIGTERM/SIGINT, reload on SIGHUP. Prints
/// `listening PORT` once serving, so a supervisor or test knows the port.
public enum ServiceMain {
    /// `build` gets the loop the server will run on: clients made on it call
    /// downstream services from the handler's own thread (no wake-ups between threads).
    public static func run(_ name: String, build: @escaping @Sendable (SuiteConfiguration, Logger, EventLoop) throws -> ServiceDefinition) -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            let configuration = try SuiteConfiguration.load(service: name, arguments: arguments)
            let level = Logger.Level(rawValue: configuration.log_level) ?? .info
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
            let logger = Logger(label: name)
            MetricsService.bootstrap()
            let loop = try EventLoop(name: "rpc-loop-0")  // the server's first loop, which the clients share
            var definition = try build(configuration, logger, loop)
            definition.router.merge(TraceService.router(service: name))
            definition.router.merge(MetricsService.router(service: name))
            let listen = try configuration.listenEndpoint(name)
            let entry = configuration.services[name]
            let localSocket = configuration.localSocket(name)
            if let localSocket {
                let directory = (localSocket as NSString).deletingLastPathComponent
                if !directory.isEmpty {
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                }
            }
            let server = RPCServer(configuration: .init(host: listen.host, port: listen.port, loops: entry?.loops ?? 1,
                                                        maxConcurrentCalls: entry?.max_in_flight ?? 1024, tls: configuration.tls?.server,
                                                        unixSocketPath: localSocket),
                                   router: definition.router, loop: loop)
            try server.start()
            logger.info("listening", metadata: ["port": "\(server.port)"])
            FileHandle.standardOutput.write(Data("listening \(server.port)\n".utf8))
            let stopped = DispatchSemaphore(value: 0)
            Task.detached {
                await server.runUntilTerminated(onReload: definition.onReload)
                await definition.onShutdown()
                logger.info("stopped")
                stopped.signal()
            }
            stopped.wait()
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(1)
        }
    }
}

extension Logger {
    /// This logger for one call: its lines carry the call's trace id (W3C
    /// `traceparent`), the same in every service the user request passed
    /// through. Nothing is copied or formatted unless a line is written.
    public func forRequest(_ context: ServerContext) -> RequestLogger {
        RequestLogger(base: self, trace: context.trace)
    }
}

/// A logger bound to one call's trace (see `Logger.forRequest`).
public struct RequestLogger: Sendable {
    let base: Logger
    let trace: TraceContext

    public func error(_ message: @autoclosure () -> Logger.Message, metadata: Logger.Metadata = [:]) {
        base.error(message(), metadata: tagged(metadata))
    }

    public func warning(_ message: @autoclosure () -> Logger.Message, metadata: Logger.Metadata = [:]) {
        base.warning(message(), metadata: tagged(metadata))
    }

    public func info(_ message: @autoclosure () -> Logger.Message, metadata: Logger.Metadata = [:]) {
        base.info(message(), metadata: tagged(metadata))
    }

    func tagged(_ metadata: Logger.Metadata) -> Logger.Metadata {
        metadata.merging(["trace_id": .stringConvertible(trace)]) { own, _ in own }
    }
}
