import Synchronization

/// History with each recently active user's batches kept in memory, written
/// through to `backing` (which stays the durable record): a refresh reads
/// its user's history from memory and only the new batch goes to disk.
///
/// Callers must not run two operations for the same user at once (RecoCenter
/// serialises each user's requests); different users run in parallel.
public final class CachedHistoryStore: HistoryStore {
    /// One channel of one user: batches oldest first, and every item in them.
    struct Channel {
        var batches: [(time: Int64, items: [Int64])] = []
        var shown: Set<Int64> = []

        mutating func record(time: Int64, items: [Int64]) {
            if let last = batches.last, last.time >= time {
                // Out of order or a replaced batch (rare): rebuild.
                batches.removeAll { $0.time == time }
                batches.append((time, items))
                batches.sort { $0.time < $1.time }
                shown = Set(batches.lazy.flatMap(\.items))
            } else {
                batches.append((time, items))
                shown.formUnion(items)
            }
        }
    }

    typealias Entry = [Int32: Channel]

    let backing: any HistoryStore & HistoryDump
    let entries = Mutex<[String: Entry]>([:])
    /// Users kept; past it an arbitrary one is dropped (and reloaded when seen again).
    let capacity: Int

    public init(backing: any HistoryStore & HistoryDump, capacity: Int = 100_000) {
        self.backing = backing
        self.capacity = capacity
    }

    /// Reads the user's entry in memory, loading it first if needed.
    func withEntry<T: Sendable>(_ user: String, _ body: (Entry) -> T) async throws -> T {
        if let result = entries.withLock({ $0[user].map(body) }) { return result }
        var loaded: Entry = [:]
        for batch in try await backing.allBatches(user: user).sorted(by: { $0.time < $1.time }) {
            loaded[batch.channel, default: Channel()].record(time: batch.time, items: batch.items)
        }
        entries.withLock { entries in
            if entries.count >= capacity, let victim = entries.keys.first { entries[victim] = nil }
            entries[user] = loaded
        }
        return body(loaded)
    }

    public func newestTime(user: String, channel: Int32) async throws -> Int64? {
        try await withEntry(user) { $0[channel]?.batches.last?.time }
    }

    public func batch(user: String, channel: Int32, atOrBefore time: Int64) async throws -> HistoryBatch? {
        try await withEntry(user) { HistoryBatch.newest(atOrBefore: time, in: $0[channel]?.batches ?? []) }
    }

    public func shownItems(user: String, channels: [Int32]) async throws -> Set<Int64> {
        try await withEntry(user) { entry in
            channels.reduce(into: Set<Int64>()) { $0.formUnion(entry[$1]?.shown ?? []) }
        }
    }

    public func view(user: String, channel: Int32) async throws -> HistoryView {
        try await withEntry(user) { entry in
            HistoryView(newest: entry[channel]?.batches.last?.time, shownInChannel: entry[channel]?.shown ?? [],
                        shownInAllChannels: channel == 0 ? [] : entry[0]?.shown ?? [])
        }
    }

    public func append(user: String, channel: Int32, time: Int64, items: [Int64]) async throws {
        try await backing.append(user: user, channel: channel, time: time, items: items)
        entries.withLock { entries in
            guard entries[user] != nil else { return }
            entries[user]![channel, default: Channel()].record(time: time, items: items)
        }
    }

    public func purge(recordedBefore instant: Int64) async throws -> Int {
        let dropped = try await backing.purge(recordedBefore: instant)
        if dropped > 0 { entries.withLock { $0.removeAll() } }
        return dropped
    }
}

/// A store that can hand over all of one user's batches at once.
public protocol HistoryDump: Sendable {
    func allBatches(user: String) async throws -> [(channel: Int32, time: Int64, items: [Int64])]
}
