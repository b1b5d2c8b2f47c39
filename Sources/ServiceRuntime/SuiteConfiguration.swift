import Foundation
public import RPC

/// deploy/suite.json: where each service listens, where the others are, and
/// the feed's limits. Every key has a default (the values below), so a file
/// only names what it changes; command-line flags override the file.
public struct SuiteConfiguration: Sendable, Decodable {
    public struct Service: Sendable, Decodable {
        /// host:port to bind (port 0 = any free port).
        public var listen: String
        /// Where clients reach it: several endpoints are replicas, called
        /// round-robin with unhealthy ones ejected. Defaults to `listen`.
        public var endpoints: [String]?
        /// Event-loop threads.
        public var loops: Int?
        /// Calls in flight before new ones get RESOURCE_EXHAUSTED (load shedding).
        public var max_in_flight: Int?
        /// A Unix-domain socket the service also listens on, and the other
        /// services on this host call it through unless `endpoints` says
        /// otherwise: no TCP stack between co-located services. Its directory
        /// is created owner-only. Not used when `tls` is set (every hop is
        /// then TLS over TCP). Default: none.
        public var local_socket: String?
    }

    /// TLS on every hop: each service serves with this certificate and calls
    /// the others with it; with `require_client_certificate` (mTLS) a service
    /// accepts only clients whose certificate chains to `ca`. Reloaded on SIGHUP.
    public struct TLS: Sendable, Decodable {
        public var certificate: String
        public var private_key: String
        public var ca: String
        public var require_client_certificate: Bool?

        public var server: TLSConfiguration {
            TLSConfiguration(certificateChainFile: certificate, privateKeyFile: private_key,
                             trustRootsFile: require_client_certificate ?? true ? ca : nil)
        }

        public var client: TLSConfiguration {
            TLSConfiguration(certificateChainFile: certificate, privateKeyFile: private_key, trustRootsFile: ca)
        }
    }

    public struct Feed: Sendable, Decodable {
        /// Channels are 0 (all) through this.
        public var max_channel_id: Int32 = 19
        public var max_article_num: Int32 = 200
        /// Candidates asked of RecallService per refresh.
        public var recall_count: Int32 = 100
        /// The budget of a user_recommend whose caller set no deadline.
        public var default_deadline_ms: Int = 300

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            max_channel_id = try c.decodeIfPresent(Int32.self, forKey: .max_channel_id) ?? max_channel_id
            max_article_num = try c.decodeIfPresent(Int32.self, forKey: .max_article_num) ?? max_article_num
            recall_count = try c.decodeIfPresent(Int32.self, forKey: .recall_count) ?? recall_count
            default_deadline_ms = try c.decodeIfPresent(Int.self, forKey: .default_deadline_ms) ?? default_deadline_ms
        }

        enum Keys: String, CodingKey { case max_channel_id, max_article_num, recall_count, default_deadline_ms }
    }

    public var data_dir = "data"
    public var artifacts = "data/artifacts"
    public var experiments = "deploy/experiments.json"
    public var log_level = "info"
    public var services: [String: Service] = Self.defaultServices
    public var feed = Feed()
    /// nil: cleartext h2c (loopback deployments).
    public var tls: TLS?
    public var store = Store()

    public static let defaultServices: [String: Service] = [
        "ABRouter": Service(listen: "127.0.0.1:50051"),
        "RecoCenter": Service(listen: "127.0.0.1:50052"),
        "RecallService": Service(listen: "127.0.0.1:50053"),
        "SortService": Service(listen: "127.0.0.1:50054"),
        "CacheService": Service(listen: "127.0.0.1:50055"),
    ]

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        data_dir = try c.decodeIfPresent(String.self, forKey: .data_dir) ?? data_dir
        artifacts = try c.decodeIfPresent(String.self, forKey: .artifacts) ?? artifacts
        experiments = try c.decodeIfPresent(String.self, forKey: .experiments) ?? experiments
        log_level = try c.decodeIfPresent(String.self, forKey: .log_level) ?? log_level
        services.merge(try c.decodeIfPresent([String: Service].self, forKey: .services) ?? [:]) { _, new in new }
        feed = try c.decodeIfPresent(Feed.self, forKey: .feed) ?? feed
        tls = try c.decodeIfPresent(TLS.self, forKey: .tls)
        store = try c.decodeIfPresent(Store.self, forKey: .store) ?? store
    }

    enum Keys: String, CodingKey { case data_dir, artifacts, experiments, log_level, services, feed, tls, store }

    /// Settings for a client of the other services: quick reconnects, and TLS when configured.
    public var internalClient: RPCClient.Configuration {
        RPCClient.Configuration(maxBackoff: .milliseconds(500), tls: tls?.client)
    }

    /// The file, then `RECO_STORE`/`RECO_REDIS_URL` from the environment, then
    /// `--name value` overrides: `--data-dir`, `--artifacts`, `--experiments`,
    /// `--log-level`, `--store`, `--redis-url`, `--listen` (this service), and
    /// `--ABRouter|--RecoCenter|... host:port[,host:port]` for the others' endpoints.
    public static func load(service: String, arguments: [String]) throws -> SuiteConfiguration {
        func option(_ name: String) -> String? {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
            return arguments[i + 1]
        }
        var configuration = SuiteConfiguration()
        let path = option("--config") ?? "deploy/suite.json"
        if let data = FileManager.default.contents(atPath: path) {
            do {
                configuration = try JSONDecoder().decode(SuiteConfiguration.self, from: data)
            } catch {
                throw ConfigurationError("\(path): \(error)")
            }
        } else if option("--config") != nil {
            throw ConfigurationError("\(path): cannot read")
        }
        let environment = ProcessInfo.processInfo.environment
        if let v = environment["RECO_STORE"], !v.isEmpty { configuration.store.backend = v }
        if let v = environment["RECO_REDIS_URL"], !v.isEmpty { configuration.store.redis_url = v }
        if let v = option("--store") { configuration.store.backend = v }
        if let v = option("--redis-url") { configuration.store.redis_url = v }
        if let v = option("--data-dir") { configuration.data_dir = v }
        if let v = option("--artifacts") { configuration.artifacts = v }
        if let v = option("--experiments") { configuration.experiments = v }
        if let v = option("--log-level") { configuration.log_level = v }
        if let v = option("--listen") { configuration.services[service, default: Service(listen: v)].listen = v }
        for name in defaultServices.keys {
            if let v = option("--\(name)") { configuration.services[name, default: Service(listen: v)].endpoints = v.split(separator: ",").map(String.init) }
        }
        return configuration
    }

    /// Where `service` listens.
    public func listenEndpoint(_ service: String) throws -> RPCClient.Endpoint {
        let text = services[service]?.listen ?? ""
        guard let endpoint = RPCClient.Endpoint(text) else { throw ConfigurationError("services.\(service).listen: '\(text)' is not host:port") }
        return endpoint
    }

    /// The Unix-domain socket `service` listens on besides `listen`, if any.
    public func localSocket(_ service: String) -> String? {
        tls == nil ? services[service]?.local_socket : nil
    }

    /// Where clients reach `service`: its `endpoints`, else its local socket, else `listen`.
    public func endpoints(_ service: String) throws -> [RPCClient.Endpoint] {
        guard let entry = services[service] else { throw ConfigurationError("services.\(service) missing") }
        if entry.endpoints == nil, let path = localSocket(service) { return [RPCClient.Endpoint(socketPath: path)] }
        return try (entry.endpoints ?? [entry.listen]).map {
            guard let endpoint = RPCClient.Endpoint($0) else { throw ConfigurationError("services.\(service).endpoints: '\($0)' is not host:port or unix:PATH") }
            return endpoint
        }
    }
}

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
