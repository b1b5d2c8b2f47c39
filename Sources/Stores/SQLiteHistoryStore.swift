import Foundation
import Synchronization

/// History in a log and a SQLite file. Each refresh's batch is appended to
/// the history log (`<name>.log/`, an `EventLog`): a record of about a
/// hundred bytes, group-committed with one write and one fsync, so the batch
/// is on disk before the response that shows it is sent. Every
/// `mergeInterval` the log moves on to a new segment and what came before is
/// put, in one transaction off the request path, into the history proper
/// (`<name>.sqlite`, one row per batch keyed by user, channel and time, where
/// a user's batches are found); then those segments are deleted. Batches not
/// merged yet are kept in memory too, so reads see everything; on opening,
/// whatever the log still holds (a crash before a merge) is read back and
/// merged with the next merge. Merging again what was merged changes nothing.
///
/// Every read loads the user's whole history: the store is meant to sit
/// behind `CachedHistoryStore`, which reads each active user once. Like it,
/// callers must not run two operations for the same user at once
/// (RecoCenter serialises each user's requests).
public final class SQLiteHistoryStore: HistoryStore {
    /// A logged batch not merged yet; `id` orders batches as the log does.
    struct LoggedBatch: Sendable {
        let id: Int64
        let record: HistoryLogRecord
    }

    let database: SQLiteDatabase
    let log: EventLog
    /// The log's batches not merged yet, by user, in log order.
    let unmerged: Mutex<(byUser: [String: [LoggedBatch]], nextID: Int64)>
    private let merger = Mutex<Task<Void, Never>?>(nil)
    /// Merges one at a time (the upkeep's and `purge`'s).
    private let merges = KeyedSerializer()

    /// `gatherDelay`: the log writer's wait before a group commit after a busy one (see `EventLog`).
    public init(path: String, mergeInterval: Duration = .seconds(1), checkpointInterval: Duration = .seconds(2), gatherDelay: Duration = .zero) throws {
        let legacyLog = Self.legacyLogPath(path)
        database = try SQLiteDatabase(path: path, synchronous: .full, checkpointInterval: checkpointInterval, schema: [
            """
            CREATE TABLE IF NOT EXISTS history (
                user TEXT NOT NULL, channel INTEGER NOT NULL, time INTEGER NOT NULL,
                items TEXT NOT NULL, recorded INTEGER NOT NULL,
                PRIMARY KEY (user, channel, time)) WITHOUT ROWID
            """,
            "CREATE INDEX IF NOT EXISTS history_recorded ON history (recorded)",
        ], opening: { c in try Self.mergeLegacyLog(at: legacyLog, into: c) })
        do {
            log = try EventLog(directory: Self.logDirectory(path), segmentBytes: 16 << 20, gatherDelay: gatherDelay)
        } catch {
            database.close()
            throw error
        }
        for file in [legacyLog, legacyLog + "-wal", legacyLog + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        var logged: [String: [LoggedBatch]] = [:], nextID: Int64 = 0
        let reader = EventLogReader(directory: log.directory, position: EventLog.oldestPosition(in: log.directory))
        for bytes in reader.readNew() {
            guard let record = HistoryLogRecord(bytes) else { continue }
            logged[record.user, default: []].append(LoggedBatch(id: nextID, record: record))
            nextID += 1
        }
        unmerged = Mutex((logged, nextID))
        merger.withLock {
            $0 = upkeep(of: self, every: mergeInterval) { try await $0.merge() }
        }
    }

    /// `h.sqlite` -> `h.log` (a directory).
    static func logDirectory(_ path: String) -> String { stem(path) + ".log" }

    /// Where versions before the file log kept it: a SQLite table in `h.log.sqlite`.
    static func legacyLogPath(_ path: String) -> String { stem(path) + ".log.sqlite" }

    private static func stem(_ path: String) -> String {
        path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) : path
    }

    /// Merges what is logged, then closes both files.
    public func close() {
        merger.withLock { $0?.cancel() }
        log.close()
        let batches = pendingBatches()
        let merged = MergeOutcome()
        if !batches.isEmpty {
            database.enqueueWrite({ c in try Self.insert(batches, into: c) }, completion: { merged.succeeded.store($0, ordering: .releasing) })
        }
        database.close()
        if batches.isEmpty || merged.succeeded.load(ordering: .acquiring) {
            for file in EventLog.segmentFiles(in: log.directory) { try? FileManager.default.removeItem(atPath: "\(log.directory)/\(file)") }
        }
    }

    /// Stops as a killed process would: the log and the database closed as
    /// they are, nothing merged, no segment deleted (crash tests).
    func abandon() {
        merger.withLock { $0?.cancel() }
        log.close()
        database.close()
    }

    private final class MergeOutcome: Sendable {
        let succeeded = Atomic<Bool>(false)
    }

    /// Moves the logged batches into the history: the log moves on to a new
    /// segment, everything before it is inserted (one transaction, synced),
    /// forgotten in memory, and its segments deleted. A crash in between
    /// merges them again, which changes nothing.
    func merge() async throws {
        try await merges.run("merge") { try await mergeAlone() }
    }

    private func mergeAlone() async throws {
        // Every batch acknowledged before the rotation is in `unmerged` by now:
        // the log adds it there before it serves the next request.
        let boundary = try await log.rotate()
        let batches = pendingBatches()
        if !batches.isEmpty {
            try await database.write { c in try Self.insert(batches, into: c) }
            let merged = Set(batches.map(\.id))
            unmerged.withLock { state in
                for user in Set(batches.map(\.record.user)) {
                    state.byUser[user]?.removeAll { merged.contains($0.id) }
                    if state.byUser[user]?.isEmpty == true { state.byUser[user] = nil }
                }
            }
        }
        log.removeSegments(before: boundary)
    }

    private func pendingBatches() -> [LoggedBatch] {
        unmerged.withLock { $0.byUser.values.flatMap { $0 } }.sorted { $0.id < $1.id }
    }

    /// Moves the rows of a log table left by an older version into the history, once.
    private static func mergeLegacyLog(at path: String, into c: SQLiteConnection) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let legacy = try SQLiteConnection.open(path, creating: false)
        defer { legacy.close() }
        let rows = try legacy.query("SELECT user, channel, time, items, recorded FROM log ORDER BY id")
        var batches: [LoggedBatch] = []
        for row in rows {
            guard let user = row[0].text, let channel = row[1].integer, let time = row[2].integer else { continue }
            let record = HistoryLogRecord(user: user, channel: Int32(truncatingIfNeeded: channel), time: time,
                                          recorded: row[4].integer ?? 0, items: ItemText.decode(row[3].text))
            batches.append(LoggedBatch(id: Int64(batches.count), record: record))
        }
        try c.execute("BEGIN")
        do {
            try insert(batches, into: c)
            try c.execute("COMMIT")
        } catch {
            try? c.execute("ROLLBACK")
            throw error
        }
    }

    private static func insert(_ batches: [LoggedBatch], into c: SQLiteConnection) throws {
        for batch in batches.map(\.record) {
            try c.execute("INSERT OR REPLACE INTO history (user, channel, time, items, recorded) VALUES (?, ?, ?, ?, ?)",
                          [.text(batch.user), .integer(Int64(batch.channel)), .integer(batch.time), .text(ItemText.encode(batch.items)), .integer(batch.recorded)])
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
        for batch in unmerged.withLock({ $0.byUser[user] ?? [] }).map(\.record) { byKey[batch.channel, default: [:]][batch.time] = batch.items }
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
        let record = HistoryLogRecord(user: user, channel: channel, time: time, recorded: Int64(Date().timeIntervalSince1970), items: items)
        // Kept in memory as soon as it is durable, in log order, on the log's thread.
        try await log.append([record.bytes]) { [self] in
            unmerged.withLock { state in
                state.byUser[user, default: []].append(LoggedBatch(id: state.nextID, record: record))
                state.nextID += 1
            }
        }
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
