import Foundation
import Synchronization

/// History in two SQLite files. Each refresh's batch is appended to a log
/// (`<name>.log.sqlite`, synchronous=FULL): a short row at the end of one
/// table, so a group commit writes a page or two and syncs, and the batch is
/// on disk before the response that shows it is sent. Every `mergeInterval`
/// the log is moved, in one transaction off the request path, into the
/// history proper (`<name>.sqlite`, one row per batch keyed by user, channel
/// and time, where a user's batches are found), then dropped from the log.
/// Batches not merged yet are kept in memory too, so reads see everything;
/// on opening, whatever the log still holds (a crash before a merge) is read
/// back and merged with the next merge.
///
/// Every read loads the user's whole history: the store is meant to sit
/// behind `CachedHistoryStore`, which reads each active user once. Like it,
/// callers must not run two operations for the same user at once
/// (RecoCenter serialises each user's requests).
public final class SQLiteHistoryStore: HistoryStore {
    /// A logged batch not merged yet.
    struct LoggedBatch: Sendable {
        let id: Int64
        let user: String
        let channel: Int32
        let time: Int64
        let items: [Int64]
        let recorded: Int64
    }

    let database: SQLiteDatabase
    let log: SQLiteDatabase
    /// The log's rows, by user, in log order.
    let unmerged: Mutex<[String: [LoggedBatch]]>
    private let merger = Mutex<Task<Void, Never>?>(nil)

    public init(path: String, mergeInterval: Duration = .milliseconds(250)) throws {
        database = try SQLiteDatabase(path: path, synchronous: .full, schema: [
            """
            CREATE TABLE IF NOT EXISTS history (
                user TEXT NOT NULL, channel INTEGER NOT NULL, time INTEGER NOT NULL,
                items TEXT NOT NULL, recorded INTEGER NOT NULL,
                PRIMARY KEY (user, channel, time)) WITHOUT ROWID
            """,
            "CREATE INDEX IF NOT EXISTS history_recorded ON history (recorded)",
        ])
        let opened = OpenedLog()
        do {
            log = try SQLiteDatabase(path: Self.logPath(path), synchronous: .full, schema: [
                """
                CREATE TABLE IF NOT EXISTS log (
                    id INTEGER PRIMARY KEY, user TEXT NOT NULL, channel INTEGER NOT NULL, time INTEGER NOT NULL,
                    items TEXT NOT NULL, recorded INTEGER NOT NULL)
                """,
            ], opening: { c in
                var rows: [String: [LoggedBatch]] = [:]
                for row in try c.query("SELECT id, user, channel, time, items, recorded FROM log ORDER BY id") {
                    guard let id = row[0].integer, let user = row[1].text, let channel = row[2].integer, let time = row[3].integer else { continue }
                    rows[user, default: []].append(LoggedBatch(id: id, user: user, channel: Int32(truncatingIfNeeded: channel), time: time,
                                                               items: ItemText.decode(row[4].text), recorded: row[5].integer ?? 0))
                }
                opened.rows.withLock { $0 = rows }
            })
        } catch {
            database.close()
            throw error
        }
        unmerged = Mutex(opened.rows.withLock { $0 })
        merger.withLock {
            $0 = upkeep(of: self, every: mergeInterval) { try await $0.merge() }
        }
    }

    /// `h.sqlite` -> `h.log.sqlite`.
    static func logPath(_ path: String) -> String {
        path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) + ".log.sqlite" : path + ".log"
    }

    /// Merges what is logged, then closes both files.
    public func close() {
        merger.withLock { $0?.cancel() }
        let batches = pendingBatches()
        let merged = MergeOutcome()
        if !batches.isEmpty {
            database.enqueueWrite({ c in try Self.insert(batches, into: c) }, completion: { merged.succeeded.store($0, ordering: .releasing) })
        }
        database.close()
        if merged.succeeded.load(ordering: .acquiring) {
            log.enqueueWrite { c in try Self.delete(batches, from: c) }
        }
        log.close()
    }

    /// What the log held when it was opened, handed out of `opening`.
    private final class OpenedLog: Sendable {
        let rows = Mutex<[String: [LoggedBatch]]>([:])
    }

    private final class MergeOutcome: Sendable {
        let succeeded = Atomic<Bool>(false)
    }

    /// Moves the logged batches into the history: inserted (one transaction,
    /// synced), then forgotten in memory, then deleted from the log. A crash
    /// in between merges them again, which changes nothing.
    func merge() async throws {
        let batches = pendingBatches()
        guard !batches.isEmpty else { return }
        try await database.write { c in try Self.insert(batches, into: c) }
        let merged = Set(batches.map(\.id))
        unmerged.withLock { rows in
            for user in Set(batches.map(\.user)) {
                rows[user]?.removeAll { merged.contains($0.id) }
                if rows[user]?.isEmpty == true { rows[user] = nil }
            }
        }
        try await log.write { c in try Self.delete(batches, from: c) }
    }

    private func pendingBatches() -> [LoggedBatch] {
        unmerged.withLock { $0.values.flatMap { $0 } }.sorted { $0.id < $1.id }
    }

    private static func insert(_ batches: [LoggedBatch], into c: SQLiteConnection) throws {
        for batch in batches {
            try c.execute("INSERT OR REPLACE INTO history (user, channel, time, items, recorded) VALUES (?, ?, ?, ?, ?)",
                          [.text(batch.user), .integer(Int64(batch.channel)), .integer(batch.time), .text(ItemText.encode(batch.items)), .integer(batch.recorded)])
        }
    }

    /// Deletes exactly these rows (ids in runs), never one logged meanwhile.
    private static func delete(_ batches: [LoggedBatch], from c: SQLiteConnection) throws {
        var index = 0
        while index < batches.count {
            var end = index
            while end + 1 < batches.count && batches[end + 1].id == batches[end].id + 1 { end += 1 }
            try c.execute("DELETE FROM log WHERE id BETWEEN ? AND ?", [.integer(batches[index].id), .integer(batches[end].id)])
            index = end + 1
        }
    }

    // MARK: Reads: the history's rows, then the log's over them.

    /// One user's batches per channel, oldest first.
    func channels(_ user: String) async throws -> [Int32: [(time: Int64, items: [Int64])]] {
        var byKey: [Int32: [Int64: [Int64]]] = [:]
        for row in try await database.read({ c in try c.query("SELECT channel, time, items FROM history WHERE user = ?", [.text(user)]) }) {
            guard let channel = row[0].integer, let time = row[1].integer else { continue }
            byKey[Int32(truncatingIfNeeded: channel), default: [:]][time] = ItemText.decode(row[2].text)
        }
        for batch in unmerged.withLock({ $0[user] ?? [] }) { byKey[batch.channel, default: [:]][batch.time] = batch.items }
        return byKey.mapValues { batches in batches.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    public func newestTime(user: String, channel: Int32) async throws -> Int64? {
        try await channels(user)[channel]?.last?.time
    }

    public func batch(user: String, channel: Int32, atOrBefore time: Int64) async throws -> HistoryBatch? {
        HistoryBatch.newest(atOrBefore: time, in: try await channels(user)[channel] ?? [])
    }

    public func shownItems(user: String, channels wanted: [Int32]) async throws -> Set<Int64> {
        let all = try await channels(user)
        return wanted.reduce(into: Set<Int64>()) { shown, channel in for batch in all[channel] ?? [] { shown.formUnion(batch.items) } }
    }

    public func append(user: String, channel: Int32, time: Int64, items: [Int64]) async throws {
        let recorded = Int64(Date().timeIntervalSince1970)
        let id = try await log.write { c in
            try c.execute("INSERT INTO log (user, channel, time, items, recorded) VALUES (?, ?, ?, ?, ?)",
                          [.text(user), .integer(Int64(channel)), .integer(time), .text(ItemText.encode(items)), .integer(recorded)])
            return c.lastInsertRowID
        }
        unmerged.withLock { $0[user, default: []].append(LoggedBatch(id: id, user: user, channel: channel, time: time, items: items, recorded: recorded)) }
    }

    /// Merges first, so that everything recorded before `instant` is in the history.
    public func purge(recordedBefore instant: Int64) async throws -> Int {
        try await merge()
        return try await database.write { c in
            try c.execute("DELETE FROM history WHERE recorded < ?", [.integer(instant)])
            return c.changes
        }
    }
}

extension SQLiteHistoryStore: HistoryDump {
    public func allBatches(user: String) async throws -> [(channel: Int32, time: Int64, items: [Int64])] {
        try await channels(user).flatMap { channel, batches in batches.map { (channel, $0.time, $0.items) } }
    }
}
