/// The ranked items a user was not shown yet, per channel: what the next
/// refreshes serve before recall runs again. Durable.
public protocol WaitList: Sendable {
    /// Removes and returns up to `count` items from the front.
    func take(user: String, channel: Int32, count: Int) async throws -> [Int64]
    /// Replaces the list with `items` (a newer ranking supersedes the old one).
    func replace(user: String, channel: Int32, items: [Int64]) async throws
    /// Drops every channel's list of the user (their behaviour made them stale).
    func removeAll(user: String) async throws
}

/// The wait list in SQLite: one row per (user, channel) holding the ranked
/// list; synchronous=NORMAL (a crash of the process loses nothing; a power
/// cut may lose the last writes, which only means a recall runs again).
public final class SQLiteWaitList: WaitList {
    let database: SQLiteDatabase

    public init(path: String) throws {
        database = try SQLiteDatabase(path: path, synchronous: .normal, schema: [
            """
            CREATE TABLE IF NOT EXISTS wait_list (
                user TEXT NOT NULL, channel INTEGER NOT NULL, items TEXT NOT NULL,
                PRIMARY KEY (user, channel)) WITHOUT ROWID
            """,
        ])
    }

    public func close() { database.close() }

    public func take(user: String, channel: Int32, count: Int) async throws -> [Int64] {
        // Most takes of a cold key find nothing: a read answers them without a transaction.
        let key: [SQLiteValue] = [.text(user), .integer(Int64(channel))]
        let present = try await database.read { c in
            try !c.query("SELECT 1 FROM wait_list WHERE user = ? AND channel = ?", key).isEmpty
        }
        guard present else { return [] }
        return try await database.write { c in
            let key: [SQLiteValue] = [.text(user), .integer(Int64(channel))]
            let items = ItemText.decode(try c.query("SELECT items FROM wait_list WHERE user = ? AND channel = ?", key).first?.first?.text)
            guard !items.isEmpty else { return [] }
            let rest = items.dropFirst(count)
            if rest.isEmpty {
                try c.execute("DELETE FROM wait_list WHERE user = ? AND channel = ?", key)
            } else {
                try c.execute("UPDATE wait_list SET items = ? WHERE user = ? AND channel = ?", [.text(ItemText.encode(Array(rest)))] + key)
            }
            return Array(items.prefix(count))
        }
    }

    public func replace(user: String, channel: Int32, items: [Int64]) async throws {
        try await database.write { c in
            let key: [SQLiteValue] = [.text(user), .integer(Int64(channel))]
            if items.isEmpty {
                try c.execute("DELETE FROM wait_list WHERE user = ? AND channel = ?", key)
            } else {
                try c.execute("INSERT OR REPLACE INTO wait_list (user, channel, items) VALUES (?, ?, ?)", key + [.text(ItemText.encode(items))])
            }
        }
    }

    public func removeAll(user: String) async throws {
        try await database.write { c in try c.execute("DELETE FROM wait_list WHERE user = ?", [.text(user)]) }
    }
}
