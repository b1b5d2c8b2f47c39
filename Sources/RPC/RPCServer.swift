import Foundation
import Synchronization

/// A gRPC server over HTTP/2 (h2c with prior knowledge). One event loop per
/// configured thread, each with its own SO_REUSEPORT listener, so the kernel
/// spreads connections across loops with no shared accept queue.
public final class RPCServer: Sendable {
    public struct Configuration: Sendable {
        /// Address to bind; loopback unless told otherwise.
        public var host: String
        /// 0 picks a free port (see `port` after `start`).
        public var port: Int
        /// Event loops (threads). One per core is the usual choice.
        public var loops: Int
        /// Largest request message accepted; bigger ones get RESOURCE_EXHAUSTED.
        public var maxReceiveMessageSize: Int
        /// SETTINGS_MAX_CONCURRENT_STREAMS per connection.
        public var maxConcurrentStreams: UInt32
        /// Per-stream flow-control window (SETTINGS_INITIAL_WINDOW_SIZE).
        public var streamWindowSize: UInt32
        /// Connection-level window, raised explicitly on stream 0.
        public var connectionWindowSize: Int32
        /// SETTINGS_MAX_HEADER_LIST_SIZE.
        public var maxHeaderListSize: UInt32
        /// Pings closer together than this with no data sent between are strikes...
        public var minPingInterval: Duration
        /// ...and more strikes than this get GOAWAY(ENHANCE_YOUR_CALM).
        public var maxPingStrikes: Int
        /// Calls running at once across all connections before new ones are
        /// refused with RESOURCE_EXHAUSTED (load shedding); 0 = no limit.
        public var maxConcurrentCalls: Int
        /// TLS (h2 over TLS 1.2+, ALPN "h2"); nil serves cleartext h2c.
        /// `trustRootsFile` set = clients must present a certificate from that CA.
        public var tls: TLSConfiguration?
        /// Also listen on this Unix-domain socket (cleartext, on the first
        /// loop): callers on the same host skip the TCP stack. Who may connect
        /// is up to the file's directory permissions. Removed at shutdown.
        public var unixSocketPath: String?

        public init(
            host: String = "127.0.0.1",
            port: Int = 0,
            loops: Int = 1,
            maxReceiveMessageSize: Int = 4 << 20,
            maxConcurrentStreams: UInt32 = 1000,
            streamWindowSize: UInt32 = 4 << 20,
            connectionWindowSize: Int32 = 16 << 20,
            maxHeaderListSize: UInt32 = 16 << 10,
            minPingInterval: Duration = .seconds(10),
            maxPingStrikes: Int = 2,
            maxConcurrentCalls: Int = 0,
            tls: TLSConfiguration? = nil,
            unixSocketPath: String? = nil
        ) {
            self.unixSocketPath = unixSocketPath
            self.maxConcurrentCalls = maxConcurrentCalls
            self.host = host
            self.port = port
            self.loops = loops
            self.maxReceiveMessageSize = maxReceiveMessageSize
            self.maxConcurrentStreams = maxConcurrentStreams
            self.streamWindowSize = streamWindowSize
            self.connectionWindowSize = connectionWindowSize
            self.maxHeaderListSize = maxHeaderListSize
            self.minPingInterval = minPingInterval
            self.maxPingStrikes = maxPingStrikes
            self.tls = tls
        }
    }

    public let configuration: Configuration
    private let router: RPCRouter
    private let listeners: Mutex<[Listener]> = Mutex([])
    private let boundPort = Atomic<Int>(0)
    private let tlsContext = Mutex<TLSContext?>(nil)
    public let health: HealthStatus

    private let firstLoop: EventLoop?

    /// `loop`: serve on an existing loop (the first one, when `loops` > 1),
    /// so that clients sharing it make a handler's downstream calls without
    /// leaving its thread; the server shuts it down at the end.
    public init(configuration: Configuration, router: RPCRouter, health: HealthStatus = HealthStatus(), loop: EventLoop? = nil) {
        self.configuration = configuration
        firstLoop = loop
        self.health = health
        var router = router
        router.merge(health.router)
        if configuration.maxConcurrentCalls > 0 { router.admission = AdmissionControl(limit: configuration.maxConcurrentCalls) }
        self.router = router
    }

    /// The bound port (after `start`).
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// Binds and starts accepting; returns once every loop listens.
    public func start() throws {
        try reloadTLS()
        var port = configuration.port
        var started: [Listener] = []
        do {
            let currentTLS: @Sendable () -> TLSContext? = { [weak self] in self?.tlsContext.withLock { $0 } }
            for index in 0..<max(1, configuration.loops) {
                let loop = try (index == 0 ? firstLoop : nil) ?? EventLoop(name: "rpc-loop-\(index)")
                let (fd, bound) = try Syscalls.listen(host: configuration.host, port: port, reusePort: configuration.loops > 1)
                port = bound
                let listener = Listener(fd: fd, loop: loop, configuration: configuration, router: router, tls: currentTLS)
                started.append(listener)
                loop.execute { listener.start() }
                if index == 0, let path = configuration.unixSocketPath {
                    // Stopped before the TCP listener that shuts the loop down.
                    let local = Listener(fd: try Syscalls.listen(unixPath: path), loop: loop, configuration: configuration, router: router,
                                         tls: { nil }, socketPath: path)
                    started.insert(local, at: 0)
                    loop.execute { local.start() }
                }
            }
        } catch {
            for listener in started { listener.stopNow() }
            throw error
        }
        boundPort.store(port, ordering: .releasing)
        listeners.withLock { $0 = started }
        health.setServing(true)
    }

    /// Re-reads the certificate, key and trust roots (on SIGHUP, say): new
    /// connections use them, established ones keep theirs. On error the old
    /// ones stay in force.
    public func reloadTLS() throws {
        guard let tls = configuration.tls else { return }
        let context = try TLSContext(tls, isServer: true)
        tlsContext.withLock { $0 = context }
    }

    /// Graceful shutdown: stop accepting, GOAWAY every connection, let
    /// in-flight calls finish for up to `grace`, then close everything.
    public func shutdown(grace: Duration = .seconds(5)) async {
        health.setServing(false)
        let all = listeners.withLock { $0 }
        for listener in all { listener.beginShutdown() }
        try? await Task.sleep(for: .milliseconds(50))
        for listener in all { listener.sendGoaway() }
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            var active = 0
            for listener in all { active += await listener.activeStreams() }
            if active == 0 { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        for listener in all { listener.stopNow() }
        listeners.withLock { $0 = [] }
    }
}

/// Accepts connections on one loop.
///
/// `@unchecked Sendable`: its mutable state (`connections`, `listening`) is
/// touched only on its loop thread; other threads only call methods that hop there.
final class Listener: EventLoopHandler, @unchecked Sendable {
    let fd: Int32
    let loop: EventLoop
    let configuration: RPCServer.Configuration
    let router: RPCRouter
    private var connections: [ObjectIdentifier: ServerConnection] = [:]
    private var listening = false
    private let currentTLS: @Sendable () -> TLSContext?
    /// Set for a Unix-domain socket: its file goes when it stops, and the
    /// loop, which a TCP listener owns, is left running.
    private let socketPath: String?

    init(fd: Int32, loop: EventLoop, configuration: RPCServer.Configuration, router: RPCRouter,
         tls: @escaping @Sendable () -> TLSContext?, socketPath: String? = nil) {
        currentTLS = tls
        self.socketPath = socketPath
        self.fd = fd
        self.loop = loop
        self.configuration = configuration
        self.router = router
    }

    func start() {
        listening = true
        loop.register(fd, self)
    }

    func handle(readable: Bool, writable: Bool, hangup: Bool) {
        while listening, let client = try? Syscalls.accept(fd) {
            var tls: TLSSession?
            if let context = currentTLS() {
                guard let session = try? TLSSession(context: context, host: "") else {
                    Syscalls.close(client)
                    continue
                }
                tls = session
            }
            let connection = ServerConnection(fd: client, tls: tls, loop: loop, configuration: configuration, router: router) { [weak self] closed in
                self?.connections[ObjectIdentifier(closed)] = nil
            }
            connections[ObjectIdentifier(connection)] = connection
            connection.start()
        }
    }

    /// Stops accepting; loop thread only.
    private func stopListening() {
        guard listening else { return }
        listening = false
        loop.deregister(fd)
        Syscalls.close(fd)
        if let socketPath { Syscalls.removeSocketFile(socketPath) }
    }

    func beginShutdown() {
        loop.execute { [self] in
            stopListening()
            for connection in connections.values { connection.beginShutdown() }
        }
    }

    func sendGoaway() {
        loop.execute { [self] in
            for connection in connections.values { connection.sendGoaway() }
        }
    }

    func activeStreams() async -> Int {
        await withCheckedContinuation { continuation in
            loop.execute { [self] in
                continuation.resume(returning: connections.values.reduce(0) { $0 + $1.activeStreams })
            }
        }
    }

    func stopNow() {
        loop.execute { [self] in
            stopListening()
            for connection in Array(connections.values) { connection.close() }
        }
        if socketPath == nil { loop.shutdown() }
    }
}
