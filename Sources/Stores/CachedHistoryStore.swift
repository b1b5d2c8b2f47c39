import Synchronization

/// History with each recently active user's batches kept in memory, written
/// through to `backing` (which stays the durable record): a refresh reads
/// its user's history from memory and only the new batch goes to disk.
///
/// Callers must not run two operations for the same user at once (RecoCenter
/// serialises each user's requests); different users run in parallel.
public final class CachedHistoryStore: HistoryStore {
    /// One user's batches per channel, oldest first.
    typealias Entry = [Int32: [(time: Int64, items: [Int64])]]

    let backing: any HistoryStore & HistoryDump
    let entries = Mutex<[String: Entry]>([:])
    /// Users kept; past it an arbitrary one is dropped (and reloaded when seen again).
    let capacity: Int

    public init(backing: any HistoryStore & HistoryDump, capacity: Int = 100_000) {
        self.backing = backing
        self.capacity = capacity
    }

    func entry(_ user: String) async throws -> Entry {
        if let cached = entries.withLock({ $0[user] }) { return cached }
        var loaded: Entry = [:]
        for batch in try await backing.allBatches(user: user) { loaded[batch.channel, default: []].append((batch.time, batch.items)) }
        for channel in loaded.keys { loaded[channel]!.sort { $0.time < $1.time } }
        entries.withLock { entries in
            if entries.count >= capacity, let victim = entries.keys.first { entries[victim] = nil }
            entries[user] = loaded
        }
        return loaded
    }

    public func newestTime(user: String, channel: Int32) async throws -> Int64? {
        try await entry(user)[channel]?.last?.time
    }

    public func batch(user: String, channel: Int32, atOrBefore time: Int64) async throws -> HistoryBatch? {
        guard let batches = try await entry(user)[channel], let index = batches.lastIndex(where: { $0.time <= time }) else { return nil }
        return HistoryBatch(time: batches[index].time, items: batches[index].items, previousTime: index > 0 ? batches[index - 1].time : 0)
    }

    public func shownItems(user: String, channels: [Int32]) async throws -> Set<Int64> {
        let entry = try await entry(user)
        var shown: Set<Int64> = []
        for channel in Set(channels) { for batch in entry[channel] ?? [] { shown.formUnion(batch.items) } }
        return shown
    }

    public func view(user: String, channel: Int32) async throws -> HistoryView {
        let entry = try await entry(user)
        var shown: [Int64] = []
        for source in Set([channel, 0]) { for batch in entry[source] ?? [] { shown += batch.items } }
        return HistoryView(newest: entry[channel]?.last?.time, shown: shown)
    }

    public func append(user: String, channel: Int32, time: Int64, items: [Int64]) async throws {
        try await backing.append(user: user, channel: channel, time: time, items: items)
        entries.withLock { entries in
            guard entries[user] != nil else { return }
            var batches = entries[user]![channel, default: []]
            batches.removeAll { $0.time == time }
            batches.append((time, items))
            batches.sort { $0.time < $1.time }
            entries[user]![channel] = batches
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

extension SQLiteHistoryStore: HistoryDump {
    public func allBatches(user: String) async throws -> [(channel: Int32, time: Int64, items: [Int64])] {
        try await database.read { c in
            try c.query("SELECT channel, time, items FROM history WHERE user = ?", [.text(user)]).compactMap { row in
                guard let channel = row[0].integer, let time = row[1].integer else { return nil }
                return (Int32(channel), time, ItemText.decode(row[2].text))
            }
        }
    }
}
