import Foundation

/// A real `redis-server` (Debian's) on a free loopback port for one test,
/// or three of them made into a Redis Cluster; stopped with `stop()`.
public final class RedisServer: @unchecked Sendable {
    public private(set) var ports: [Int]
    public let directory: String
    var processes: [ChildProcess] = []

    public var url: String { "redis://127.0.0.1:\(ports[0])/0" }
    /// The first server's Unix-domain socket (every server also listens on one).
    public var socketURL: String { "unix://\(directory)/redis-\(ports[0]).sock" }

    /// One server (`masters` = 1) or a Cluster of `masters` servers (slots split evenly).
    public static func start(masters: Int = 1) async throws -> RedisServer {
        let server = RedisServer(directory: Fixture.temporaryDirectory("redis"))
        for _ in 0..<masters { try await server.launchOne(cluster: masters > 1) }
        if masters > 1 { try await server.formCluster() }
        return server
    }

    init(directory: String) {
        self.ports = []
        self.directory = directory
    }

    /// Starts a server on a random port in 20000-29999 (its cluster bus,
    /// port + 10000, stays below 40000); another port when that one is taken.
    func launchOne(cluster: Bool) async throws {
        for _ in 0..<50 {
            let port = Int.random(in: 20000...29999)
            guard !ports.contains(port) else { continue }
            var arguments = ["--port", "\(port)", "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                             "--appendonly", "yes", "--appendfilename", "aof-\(port).aof", "--appenddirname", "aof-\(port)",
                             "--dbfilename", "dump-\(port).rdb", "--logfile", "\(directory)/redis-\(port).log",
                             "--unixsocket", "\(directory)/redis-\(port).sock", "--unixsocketperm", "700"]
            if cluster {
                arguments += ["--cluster-enabled", "yes", "--cluster-config-file", "nodes-\(port).conf", "--cluster-node-timeout", "5000"]
            }
            let process = try await ChildProcess.start("redis-server", arguments, errorLog: "\(directory)/stderr-\(port).log")
            if try await waitFor(port: port, process: process, command: ["ping"], until: { $0.contains("PONG") }) {
                ports.append(port)
                processes.append(process)
                return
            }
        }
        throw RedisServerError("redis-server did not start on any of 50 ports (logs in \(directory))")
    }

    func formCluster() async throws {
        let (status, output) = try await run("redis-cli", ["--cluster", "create"] + ports.map { "127.0.0.1:\($0)" } + ["--cluster-replicas", "0", "--cluster-yes"])
        guard status == 0 else { throw RedisServerError("redis-cli --cluster create: \(output)") }
        for (port, process) in zip(ports, processes) {
            guard try await waitFor(port: port, process: process, command: ["cluster", "info"], until: { $0.contains("cluster_state:ok") }) else {
                throw RedisServerError("cluster node \(port) not ready")
            }
        }
    }

    /// Polls `redis-cli -p port command` until `ready(output)`: true; false if
    /// the server exited (its port was taken). Bounded by the safety timeout.
    func waitFor(port: Int, process: ChildProcess, command: [String], until ready: (String) -> Bool) async throws -> Bool {
        let end = ContinuousClock.now + safetyTimeout
        while ContinuousClock.now < end {
            guard process.process.isRunning else { return false }
            if let (_, output) = try? await run("redis-cli", ["-p", "\(port)"] + command), ready(output) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RedisServerError("redis on \(port) not ready: \((try? String(contentsOfFile: "\(directory)/redis-\(port).log", encoding: .utf8)) ?? "")")
    }

    /// Runs `body` with a fresh server (or Cluster), stopping it however `body` ends.
    public static func with<T>(masters: Int = 1, _ body: (RedisServer) async throws -> T) async throws -> T {
        let server = try await start(masters: masters)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Runs one redis-cli command against the first server (`-c`: following cluster redirections).
    public func cli(_ arguments: [String]) async throws -> String {
        try await run("redis-cli", ["-c", "-p", "\(ports[0])"] + arguments).output
    }

    public func stop() async {
        // SHUTDOWN rather than SIGTERM: a child of the test runner may inherit a blocked SIGTERM.
        for (port, process) in zip(ports, processes) {
            _ = try? await run("redis-cli", ["-p", "\(port)", "shutdown", "nosave"])
            if process.process.isRunning { process.signal(SIGKILL) }
            try? await process.waitForExit()
        }
    }
}

public struct RedisServerError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
