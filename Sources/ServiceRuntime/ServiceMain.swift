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
            let loop = try EventLoop(name: name)
            let definition = try build(configuration, logger, loop)
            let listen = try configuration.listenEndpoint(name)
            let entry = configuration.services[name]
            let server = RPCServer(configuration: .init(host: listen.host, port: listen.port, loops: entry?.loops ?? 1,
                                                        maxConcurrentCalls: entry?.max_in_flight ?? 1024, tls: configuration.tls?.server),
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
    /// A copy whose lines carry the request id the caller sent (`x-request-id`).
    public func forRequest(_ context: ServerContext) -> Logger {
        var copy = self
        copy[metadataKey: "request_id"] = "\(context.metadata[RequestID.header] ?? "-")"
        return copy
    }
}

/// The id that follows one user request through every hop.
public enum RequestID {
    public static let header = "x-request-id"

    public static func make() -> String {
        String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Metadata for a downstream call: the incoming id, or a new one.
    public static func metadata(_ context: ServerContext) -> Metadata {
        Metadata([(header, context.metadata[header] ?? make())])
    }
}
