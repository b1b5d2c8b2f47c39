import Foundation

/// History in SQLite: one row per batch, synchronous=FULL so a batch is on
/// disk before the response that shows it is sent.
public final class SQLiteHistoryStore: HistoryStore {
    let database: SQLiteDatabase

    public init(path: String) throws {
        database = try SQLiteDatabase(path: path, synchronous: .full, schema: [
            """
            CREATE TABLE IF NOT EXISTS history (
                user TEXT NOT NULL, channel INTEGER NOT NULL, time INTEGER NOT NULL,
                items TEXT NOT NULL, recorded INTEGER NOT NULL,
                PRIMARY KEY (user, channel, time)) WITHOUT ROWID
            """,
            "CREATE INDEX IF NOT EXISTS history_recorded ON history (recorded)",
        ])
    }

    public func close() { database.close() }

    public func newestTime(user: String, channel: Int32) async throws -> Int64? {
        try await database.read { c in
            try c.query("SELECT MAX(time) FROM history WHERE user = ? AND channel = ?", [.text(user), .integer(Int64(channel))]).first?.first?.integer
        }
    }

    public func batch(user: String, channel: Int32, atOrBefore time: Int64) async throws -> HistoryBatch? {
        try await database.read { c in
            let rows = try c.query(
                "SELECT time, items FROM history WHERE user = ? AND channel = ? AND time <= ? ORDER BY time DESC LIMIT 2",
                [.text(user), .integer(Int64(channel)), .integer(time)])
            guard let first = rows.first, let batchTime = first[0].integer else { return nil }
            return HistoryBatch(time: batchTime, items: ItemText.decode(first[1].text), previousTime: rows.count > 1 ? rows[1][0].integer ?? 0 : 0)
        }
    }

    public func shownItems(user: String, channels: [Int32]) async throws -> Set<Int64> {
        try await database.read { c in
            var shown: Set<Int64> = []
            for channel in Set(channels) {
                for row in try c.query("SELECT items FROM history WHERE user = ? AND channel = ?", [.text(user), .integer(Int64(channel))]) {
                    shown.formUnion(ItemText.decode(row[0].text))
                }
            }
            return shown
        }
    }

    public func append(user: String, channel: Int32, time: Int64, items: [Int64]) async throws {
        let recorded = Int64(Date().timeIntervalSince1970)
        try await database.write { c in
            try c.execute("INSERT OR REPLACE INTO history (user, channel, time, items, recorded) VALUES (?, ?, ?, ?, ?)",
                          [.text(user), .integer(Int64(channel)), .integer(time), .text(ItemText.encode(items)), .integer(recorded)])
        }
    }

    public func purge(recordedBefore instant: Int64) async throws -> Int {
        try await database.write { c in
            try c.execute("DELETE FROM history WHERE recorded < ?", [.integer(instant)])
            return c.changes
        }
    }
}
