public import Redis

/// The event log as Redis Streams: `partitions` streams `events:{p<n>}`, a
/// user's events always in the same one (so in order), each capped at about
/// `maxLength` entries (XADD MAXLEN ~). An event is acknowledged to the
/// reporter once XADD returned; how durable that is follows the server's
/// `appendonly`/`appendfsync` (docs/REDIS.md).
public final class RedisEventStream: EventSink {
    let redis: RedisClient
    let partitions: Int
    let maxLength: Int

    public init(redis: RedisClient, partitions: Int = 1, maxLength: Int = 10_000_000) {
        self.redis = redis
        self.partitions = max(partitions, 1)
        self.maxLength = maxLength
    }

    public func append(_ records: [EventRecord]) async throws {
        var byPartition: [Int: [RedisCommand]] = [:]
        for record in records {
            let partition = Self.partition(of: record.user, among: partitions)
            byPartition[partition, default: []].append(
                RedisCommand("XADD", RedisKeys.events(partition: partition), "MAXLEN", "~", maxLength, "*", "a", record.bytes))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for commands in byPartition.values {
                group.addTask { _ = try await self.redis.replies(commands) }
            }
            try await group.waitForAll()
        }
    }

    public func close() {}

    /// Every retained event of every partition, oldest first (by stream id):
    /// what offline jobs (`recoctl train --events`, `ab-report`) replay.
    public func readAll(pageSize: Int = 10_000) async throws -> [[UInt8]] {
        var entries: [(milliseconds: UInt64, sequence: UInt64, bytes: [UInt8])] = []
        for partition in 0..<partitions {
            var start = "-"
            while true {
                let page = try await redis.replies([RedisCommand("XRANGE", RedisKeys.events(partition: partition), start, "+", "COUNT", pageSize)])[0].array
                for entry in page.compactMap(StreamEntry.init) {
                    let numbers = entry.id.split(separator: "-").compactMap { UInt64($0) }
                    if numbers.count == 2, let event = entry.event { entries.append((numbers[0], numbers[1], event)) }
                    start = "(" + entry.id
                }
                if page.count < pageSize { break }
            }
        }
        return entries.sorted { ($0.milliseconds, $0.sequence) < ($1.milliseconds, $1.sequence) }.map(\.bytes)
    }

    /// Stable across processes and restarts (CRC16, as Cluster uses).
    public static func partition(of user: String, among partitions: Int) -> Int {
        ClusterSlot.of(Array(user.utf8)) % max(partitions, 1)
    }
}

/// One consumer instance following every partition through its own
/// consumer group (`group`, e.g. "SortService@10.0.0.5:50054"). Its state is
/// in memory and rebuilt from the retained streams at start, so `start`
/// creates the group at the beginning or moves an existing one back there;
/// entries a crashed predecessor read but never acknowledged are delivered
/// again that way (Redis hands pending entries to the reader). Each batch
/// is acknowledged (XACK) with the next read, once it was applied; XINFO
/// GROUPS shows each consumer's lag.
public final class RedisEventSource: EventSource, @unchecked Sendable {
    let redis: RedisClient
    let partitions: Int
    let group: String
    let batchSize: Int
    /// Read ids not yet acknowledged, per partition (touched only by the one follower task).
    var unacknowledged: [Int: [String]] = [:]
    var started = false

    public init(redis: RedisClient, partitions: Int = 1, group: String, batchSize: Int = 1000) {
        self.redis = redis
        self.partitions = max(partitions, 1)
        self.group = group
        self.batchSize = batchSize
    }

    func start() async throws {
        for partition in 0..<partitions {
            let key = RedisKeys.events(partition: partition)
            let created = try await redis.send(RedisCommand("XGROUP", "CREATE", key, group, "0", "MKSTREAM"))
            if let message = created.errorMessage {
                guard message.hasPrefix("BUSYGROUP") else { throw StoreError("redis: XGROUP CREATE \(key): \(message)") }
                _ = try await redis.replies([RedisCommand("XGROUP", "SETID", key, group, "0")])
            }
        }
        started = true
    }

    public func next() async throws -> [[UInt8]] {
        if !started { try await start() }
        var records: [[UInt8]] = []
        for partition in 0..<partitions {
            let key = RedisKeys.events(partition: partition)
            var commands: [RedisCommand] = []
            let acknowledging = unacknowledged[partition] ?? []
            if !acknowledging.isEmpty { commands.append(RedisCommand(["XACK", key, group] + acknowledging.map { $0 as any RedisArgument })) }
            commands.append(RedisCommand("XREADGROUP", "GROUP", group, "follower", "COUNT", batchSize, "STREAMS", key, ">"))
            let replies: [RedisReply]
            do {
                replies = try await redis.replies(commands)
            } catch {
                // A server that lost its data lost the group too: create it again next time.
                if error.description.contains("NOGROUP") { started = false; unacknowledged = [:] }
                throw error
            }
            unacknowledged[partition] = []
            // [[key, [[id, [field, value, ...]], ...]]] or nil when nothing is new.
            for stream in replies.last!.array {
                for entry in (stream.array.dropFirst().first?.array ?? []).compactMap(StreamEntry.init) {
                    unacknowledged[partition, default: []].append(entry.id)
                    if let event = entry.event { records.append(event) }
                }
            }
        }
        return records
    }
}

/// One stream entry as XRANGE and XREADGROUP return it: `[id, [field, value, ...]]`;
/// `event` is the `a` field (the Action's bytes), nil if absent.
struct StreamEntry {
    let id: String
    let event: [UInt8]?

    init?(_ reply: RedisReply) {
        let parts = reply.array
        guard let id = parts.first?.text else { return nil }
        self.id = id
        let fields = parts.dropFirst().first?.array ?? []
        event = stride(from: 0, to: fields.count - 1, by: 2).first { fields[$0].text == "a" }.flatMap { fields[$0 + 1].bytes }
    }
}
