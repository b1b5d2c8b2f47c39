import Synchronization

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
///
/// This process owns the database, so it can know which (user, channel) rows
/// exist: a take for a key with no row (every cold refresh) is answered
/// without a trip to the database thread. The index changes only inside the
/// database jobs, so it follows the rows in the order they are written.
public final class SQLiteWaitList: WaitList {
    let database: SQLiteDatabase
    let index: RowIndex

    public init(path: String, indexCapacity: Int = 2_000_000) throws {
        let index = RowIndex(capacity: indexCapacity)
        database = try SQLiteDatabase(path: path, synchronous: .normal, schema: [
            """
            CREATE TABLE IF NOT EXISTS wait_list (
                user TEXT NOT NULL, channel INTEGER NOT NULL, items TEXT NOT NULL,
                PRIMARY KEY (user, channel)) WITHOUT ROWID
            """,
        ], opening: { c in
            for row in try c.query("SELECT user, channel FROM wait_list LIMIT ?", [.integer(Int64(indexCapacity) + 1)]) {
                guard let user = row[0].text, let channel = row[1].integer else { continue }
                index.insert(user: user, channel: Int32(truncatingIfNeeded: channel))
            }
        })
        self.index = index
    }

    public func close() { database.close() }

    public func take(user: String, channel: Int32, count: Int) async throws -> [Int64] {
        guard index.mayHold(user: user, channel: channel) else { return [] }
        return try await database.write { [index] c in
            let key: [SQLiteValue] = [.text(user), .integer(Int64(channel))]
            let items = ItemText.decode(try c.query("SELECT items FROM wait_list WHERE user = ? AND channel = ?", key).first?.first?.text)
            let rest = items.dropFirst(count)
            if rest.isEmpty {
                if !items.isEmpty { try c.execute("DELETE FROM wait_list WHERE user = ? AND channel = ?", key) }
                index.remove(user: user, channel: channel)
            } else {
                try c.execute("UPDATE wait_list SET items = ? WHERE user = ? AND channel = ?", [.text(ItemText.encode(Array(rest)))] + key)
            }
            return Array(items.prefix(count))
        }
    }

    public func replace(user: String, channel: Int32, items: [Int64]) async throws {
        try await database.write { [index] c in
            let key: [SQLiteValue] = [.text(user), .integer(Int64(channel))]
            if items.isEmpty {
                try c.execute("DELETE FROM wait_list WHERE user = ? AND channel = ?", key)
                index.remove(user: user, channel: channel)
            } else {
                try c.execute("INSERT OR REPLACE INTO wait_list (user, channel, items) VALUES (?, ?, ?)", key + [.text(ItemText.encode(items))])
                index.insert(user: user, channel: channel)
            }
        }
    }

    public func removeAll(user: String) async throws {
        try await database.write { [index] c in
            try c.execute("DELETE FROM wait_list WHERE user = ?", [.text(user)])
            index.remove(user: user)
        }
    }
}

/// Which (user, channel) rows a wait list holds. Bounded: past `capacity`
/// keys it stops knowing (every key "may" be there) rather than grow.
final class RowIndex: Sendable {
    private struct State {
        var channels: [String: Set<Int32>] = [:]
        var keys = 0
        var overflowed = false
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    func mayHold(user: String, channel: Int32) -> Bool {
        state.withLock { $0.overflowed || $0.channels[user]?.contains(channel) == true }
    }

    func insert(user: String, channel: Int32) {
        state.withLock { state in
            guard !state.overflowed else { return }
            if state.channels[user, default: []].insert(channel).inserted { state.keys += 1 }
            if state.keys > capacity { state = State(overflowed: true) }
        }
    }

    func remove(user: String, channel: Int32) {
        state.withLock { state in
            guard state.channels[user]?.remove(channel) != nil else { return }
            state.keys -= 1
            if state.channels[user]!.isEmpty { state.channels[user] = nil }
        }
    }

    func remove(user: String) {
        state.withLock { state in
            state.keys -= state.channels.removeValue(forKey: user)?.count ?? 0
        }
    }
}
