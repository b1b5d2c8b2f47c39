import Foundation
public import Redis
public import Stores
import Synchronization

extension SuiteConfiguration {
    /// Where the online state lives (deploy/README.md): the embedded SQLite
    /// files under `data_dir` (one machine), or Redis (shared by replicas,
    /// standalone or Cluster). Environment `RECO_STORE` and `RECO_REDIS_URL`,
    /// then `--store` and `--redis-url`, override the file.
    public struct Store: Sendable, Decodable {
        /// "sqlite" or "redis".
        public var backend = "sqlite"
        public var redis_url = "redis://127.0.0.1:6379/0"
        /// Event streams; a user's events always land in the same one.
        public var stream_partitions = 1
        /// Entries each stream keeps (trimmed approximately).
        public var stream_max_length = 10_000_000
        /// SQLite only. How often the wait list's changes are written (write-behind:
        /// a crash loses at most this much), RecoCenter's history log is merged
        /// into its database, and each database's WAL is copied back into it.
        /// Longer intervals write a page changed many times once: on a shared
        /// disk every page written also lengthens the history log's fsync.
        public var wait_list_flush_ms = 1000
        public var history_merge_ms = 1000
        public var checkpoint_ms = 2000
        /// SQLite only. Microseconds the history log's writer waits before a
        /// group commit that follows a busy one (4 or more refreshes in the
        /// group before): under load one fsync then makes more refreshes
        /// durable; a lone refresh never waits. 0 turns it off.
        public var history_gather_us = 400

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            backend = try c.decodeIfPresent(String.self, forKey: .backend) ?? backend
            redis_url = try c.decodeIfPresent(String.self, forKey: .redis_url) ?? redis_url
            stream_partitions = try c.decodeIfPresent(Int.self, forKey: .stream_partitions) ?? stream_partitions
            stream_max_length = try c.decodeIfPresent(Int.self, forKey: .stream_max_length) ?? stream_max_length
            wait_list_flush_ms = try c.decodeIfPresent(Int.self, forKey: .wait_list_flush_ms) ?? wait_list_flush_ms
            history_merge_ms = try c.decodeIfPresent(Int.self, forKey: .history_merge_ms) ?? history_merge_ms
            checkpoint_ms = try c.decodeIfPresent(Int.self, forKey: .checkpoint_ms) ?? checkpoint_ms
            history_gather_us = try c.decodeIfPresent(Int.self, forKey: .history_gather_us) ?? history_gather_us
            guard (0...100_000).contains(history_gather_us) else {
                throw ConfigurationError("store.history_gather_us: \(history_gather_us) is not 0...100000 microseconds")
            }
            for (key, value) in [("wait_list_flush_ms", wait_list_flush_ms), ("history_merge_ms", history_merge_ms), ("checkpoint_ms", checkpoint_ms)] where value < 1 {
                throw ConfigurationError("store.\(key): \(value) is not a positive number of milliseconds")
            }
        }

        enum Keys: String, CodingKey {
            case backend, redis_url, stream_partitions, stream_max_length, wait_list_flush_ms, history_merge_ms, checkpoint_ms, history_gather_us
        }
    }
}

/// The online stores of one service on the configured backend; one Redis
/// client (its connections) per process, closed with `close()`.
public final class StoreBackend: Sendable {
    public let configuration: SuiteConfiguration
    public let redis: RedisClient?
    let closers = Mutex<[@Sendable () -> Void]>([])

    public init(_ configuration: SuiteConfiguration) throws {
        self.configuration = configuration
        switch configuration.store.backend {
        case "sqlite": redis = nil
        case "redis": redis = try RedisClient(url: configuration.store.redis_url)
        default: throw ConfigurationError("store.backend: '\(configuration.store.backend)' is neither sqlite nor redis")
        }
    }

    /// RecoCenter's history: in Redis as is (replicas share it), or SQLite
    /// with an in-memory index of active users (one RecoCenter per data directory).
    public func history(service: String) throws -> any HistoryStore {
        if let redis { return RedisHistoryStore(redis: redis) }
        let durable = try SQLiteHistoryStore(path: try DataDirectory.database(service, in: configuration.data_dir),
                                             mergeInterval: .milliseconds(configuration.store.history_merge_ms),
                                             checkpointInterval: .milliseconds(configuration.store.checkpoint_ms),
                                             gatherDelay: .microseconds(configuration.store.history_gather_us))
        onClose { durable.close() }
        return CachedHistoryStore(backing: durable)
    }

    /// CacheService's two levels.
    public func feedCache(service: String) throws -> any FeedCache {
        if let redis { return RedisFeedCache(redis: redis, channels: 0...configuration.feed.max_channel_id) }
        let waitList = try SQLiteWaitList(path: try DataDirectory.database(service, in: configuration.data_dir),
                                          flushInterval: .milliseconds(configuration.store.wait_list_flush_ms),
                                          checkpointInterval: .milliseconds(configuration.store.checkpoint_ms))
        onClose { waitList.close() }
        return TieredFeedCache(waitList: waitList)
    }

    /// Where ABRouter appends behaviour.
    public func eventSink() throws -> any EventSink {
        if let redis {
            return RedisEventStream(redis: redis, partitions: configuration.store.stream_partitions, maxLength: configuration.store.stream_max_length)
        }
        let log = try EventLog(directory: configuration.eventsDirectory)
        onClose { log.close() }
        return log
    }

    /// How `consumer` (one instance of a service, e.g. "SortService@host:port") follows behaviour.
    public func eventSource(consumer: String) -> any EventSource {
        if let redis { return RedisEventSource(redis: redis, partitions: configuration.store.stream_partitions, group: consumer) }
        return EventLogReader(directory: configuration.eventsDirectory)
    }

    /// Every channel's hot and new lists, shared: only the Redis store has them.
    public func channelLists() -> RedisChannelLists? {
        redis.map { RedisChannelLists(redis: $0) }
    }

    public func close() {
        for close in closers.withLock({ $0 }) { close() }
        redis?.close()
    }

    func onClose(_ body: @escaping @Sendable () -> Void) { closers.withLock { $0.append(body) } }
}

extension SuiteConfiguration {
    /// One running instance of `service`, stable across its restarts:
    /// "SortService@127.0.0.1:50054" (plus the pid when the port is chosen at start).
    public func instanceName(_ service: String) -> String {
        let listen = services[service]?.listen ?? "?"
        return listen.hasSuffix(":0") ? "\(service)@\(listen)#\(getpid())" : "\(service)@\(listen)"
    }
}

extension SuiteConfiguration {
    /// Where the embedded event log lives: `<data_dir>/events`.
    public var eventsDirectory: String { "\(data_dir)/events" }
}
