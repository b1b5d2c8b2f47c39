import Foundation
import Redis
import Stores

/// The behaviour events an offline command replays, from `--events`: the
/// embedded log's directory (default `data/events`), or the Redis store's
/// streams given as `redis://host:port/db` or `unix:///path/redis.sock`
/// (with `--partitions`, the suite's `store.stream_partitions`, default 1).
enum LoggedEvents {
    static func read(_ arguments: CommandLine.Arguments) throws -> (records: [[UInt8]], source: String) {
        let source = arguments.option("--events") ?? "data/events"
        guard source.hasPrefix("redis://") || source.hasPrefix("unix://") else { return (EventLogReader(directory: source).readNew(), source) }
        let partitions = try arguments.int("--partitions", default: 1)
        guard partitions > 0 else { throw UsageError("--partitions must be positive") }
        let redis = try RedisClient(url: source)
        defer { redis.close() }
        return (try blocking { try await RedisEventStream(redis: redis, partitions: partitions).readAll() }, source)
    }
}
