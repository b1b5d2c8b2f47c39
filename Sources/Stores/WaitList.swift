import Synchronization

/// The ranked items a user was not shown yet, per channel: what the next
/// refreshes serve before recall runs again. Durable (the SQLite one within
/// its flush interval: it writes behind).
public protocol WaitList: Sendable {
    /// Removes and returns up to `count` items from the front.
    func take(user: String, channel: Int32, count: Int) async throws -> [Int64]
    /// Replaces the list with `items` (a newer ranking supersedes the old one).
    func replace(user: String, channel: Int32, items: [Int64]) async throws
    /// Drops every channel's list of the user (their behaviour made them stale).
    func removeAll(user: String) async throws

    /// `take` when memory can answer it without waiting on the store; nil
    /// otherwise (nothing taken then).
    func takeNow(user: String, channel: Int32, count: Int) -> [Int64]?
    /// `replace` when it need not wait on the store; false otherwise (nothing replaced then).
    func replaceNow(user: String, channel: Int32, items: [Int64]) -> Bool
}

extension WaitList {
    public func takeNow(user: String, channel: Int32, count: Int) -> [Int64]? { nil }
    public func replaceNow(user: String, channel: Int32, items: [Int64]) -> Bool { false }
}

/// The wait list in SQLite: one row per (user, channel) holding the ranked
/// list, synchronous=NORMAL, with the lists in use kept in memory. Changes
/// land in memory first and reach the database together every
/// `flushInterval` (write-behind): a list put and taken before the next flush
/// never touches the disk, the rest is written in one transaction per
/// interval instead of one commit per change, and a take reads the database
/// only for a list memory does not hold (after a restart, say). A crash
/// loses at most the last interval of changes: a lost put means recall runs
/// again, a lost take that items already served come back, which RecoCenter
/// drops against the user's history (so nothing repeats). `close` writes
/// what is pending.
///
/// This process owns the database, so it can know which (user, channel) rows
/// exist: a take for a key with no row and no list in memory (every cold
/// refresh) is answered without a trip to the database thread. The index
/// changes only inside the database jobs, so it follows the rows as written.
public final class SQLiteWaitList: WaitList {
    struct State {
        /// Changes since the last flush began, and the batch being written.
        var pending = WaitListChanges()
        var flushing = WaitListChanges()
        /// Lists as written, kept for takes.
        var written: WrittenLists
    }

    let database: SQLiteDatabase
    let index: RowIndex
    let state: Mutex<State>
    private let flusher = Mutex<Task<Void, Never>?>(nil)

    public init(path: String, indexCapacity: Int = 2_000_000, memoryCapacity: Int = 100_000,
                flushInterval: Duration = .seconds(1), checkpointInterval: Duration = .seconds(2)) throws {
        let index = RowIndex(capacity: indexCapacity)
        database = try SQLiteDatabase(path: path, synchronous: .normal, checkpointInterval: checkpointInterval, schema: [
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
        state = Mutex(State(written: WrittenLists(capacity: memoryCapacity)))
        flusher.withLock {
            $0 = upkeep(of: self, every: flushInterval) { try await $0.flush() }
        }
    }

    /// Writes the pending changes, then closes the database.
    public func close() {
        flusher.withLock { $0?.cancel() }
        // The batch a flush may be writing right now is written again under
        // the newer changes: both are idempotent, in this order.
        let last = state.withLock { state in
            defer { (state.pending, state.flushing) = (WaitListChanges(), WaitListChanges()) }
            return state.flushing.overlaid(by: state.pending)
        }
        if !last.isEmpty { database.enqueueWrite { [index] c in try last.apply(to: c, index: index) } }
        database.close()
    }

    public func take(user: String, channel: Int32, count: Int) async throws -> [Int64] {
        if let taken = takeNow(user: user, channel: channel, count: count) { return taken }
        let stored = try await database.read { c in
            ItemText.decode(try c.query("SELECT items FROM wait_list WHERE user = ? AND channel = ?", [.text(user), .integer(Int64(channel))]).first?.first?.text)
        }
        return state.withLock { state in
            // A change that arrived while the row was read is newer than the row.
            if let taken = Self.pop(user, channel, count, from: &state) { return taken }
            state.pending.set(user, channel, stored)
            return Self.pop(user, channel, count, from: &state) ?? []
        }
    }

    /// The list as memory holds it, or no list where the index knows of no
    /// row; nil when only the database can tell.
    public func takeNow(user: String, channel: Int32, count: Int) -> [Int64]? {
        if let taken = state.withLock({ Self.pop(user, channel, count, from: &$0) }) { return taken }
        return index.mayHold(user: user, channel: channel) ? nil : []
    }

    /// Never waits: the change is written behind.
    public func replaceNow(user: String, channel: Int32, items: [Int64]) -> Bool {
        state.withLock { $0.pending.set(user, channel, items) }
        return true
    }

    public func replace(user: String, channel: Int32, items: [Int64]) async throws {
        _ = replaceNow(user: user, channel: channel, items: items)
    }

    public func removeAll(user: String) async throws {
        state.withLock { $0.pending.drop(user) }
    }

    /// Writes the changes made since the last flush in one transaction. On
    /// failure they stay pending (under anything newer) for the next one.
    func flush() async throws {
        let batch = state.withLock { state -> WaitListChanges? in
            guard !state.pending.isEmpty, state.flushing.isEmpty else { return nil }
            state.flushing = state.pending
            state.pending = WaitListChanges()
            return state.flushing
        }
        guard let batch else { return }
        do {
            try await database.write { [index] c in try batch.apply(to: c, index: index) }
            state.withLock { state in
                state.written.absorb(batch)
                state.flushing = WaitListChanges()
            }
        } catch {
            state.withLock { state in
                state.pending = state.flushing.overlaid(by: state.pending)
                state.flushing = WaitListChanges()
            }
            throw error
        }
    }

    /// Takes from the list memory holds for the key (pending, the batch being
    /// written, then as written); nil when only the database can tell.
    private static func pop(_ user: String, _ channel: Int32, _ count: Int, from state: inout State) -> [Int64]? {
        guard let list = state.pending.list(user, channel) ?? state.flushing.list(user, channel) ?? state.written.list(user, channel) else { return nil }
        guard !list.isEmpty else { return [] }
        state.pending.set(user, channel, Array(list.dropFirst(count)))
        return Array(list.prefix(count))
    }
}

/// Wait-list changes not yet in the database: per user, whether all their
/// lists were dropped, then the lists set since (an empty list: no row).
struct WaitListChanges: Sendable {
    struct User: Sendable {
        var dropped = false
        var lists: [Int32: [Int64]] = [:]
    }

    var users: [String: User] = [:]

    var isEmpty: Bool { users.isEmpty }

    /// The key's list as these changes leave it; nil if they do not touch it.
    func list(_ user: String, _ channel: Int32) -> [Int64]? {
        guard let changes = users[user] else { return nil }
        return changes.lists[channel] ?? (changes.dropped ? [] : nil)
    }

    mutating func set(_ user: String, _ channel: Int32, _ items: [Int64]) {
        users[user, default: User()].lists[channel] = items
    }

    mutating func drop(_ user: String) {
        users[user] = User(dropped: true)
    }

    /// These changes followed by `newer`.
    func overlaid(by newer: WaitListChanges) -> WaitListChanges {
        var result = self
        for (user, changes) in newer.users {
            if changes.dropped {
                result.users[user] = changes
            } else {
                result.users[user, default: User()].lists.merge(changes.lists) { _, new in new }
            }
        }
        return result
    }

    /// Runs inside a database write job. The index follows only once every
    /// statement succeeded, so a job run again after a failure finds it as
    /// it was.
    func apply(to c: SQLiteConnection, index: RowIndex) throws {
        var written: [(user: String, channel: Int32)] = [], deleted: [(user: String, channel: Int32)] = []
        for (user, changes) in users {
            if changes.dropped { try c.execute("DELETE FROM wait_list WHERE user = ?", [.text(user)]) }
            for (channel, items) in changes.lists {
                let key: [SQLiteValue] = [.text(user), .integer(Int64(channel))]
                if !items.isEmpty {
                    try c.execute("INSERT OR REPLACE INTO wait_list (user, channel, items) VALUES (?, ?, ?)", key + [.text(ItemText.encode(items))])
                    written.append((user, channel))
                } else if index.mayHold(user: user, channel: channel) {
                    try c.execute("DELETE FROM wait_list WHERE user = ? AND channel = ?", key)
                    deleted.append((user, channel))
                }
            }
        }
        for (user, changes) in users where changes.dropped { index.remove(user: user) }
        for key in deleted { index.remove(user: key.user, channel: key.channel) }
        for key in written { index.insert(user: key.user, channel: key.channel) }
    }
}

/// The wait list's rows as last written, for takes to read without the
/// database. Bounded: past `capacity` lists, some users' are forgotten (the
/// database still has them).
struct WrittenLists: Sendable {
    let capacity: Int
    private(set) var users: [String: [Int32: [Int64]]] = [:]
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The key's row; nil when not held (which says nothing about the database).
    func list(_ user: String, _ channel: Int32) -> [Int64]? {
        users[user]?[channel]
    }

    /// Follows a batch just written.
    mutating func absorb(_ batch: WaitListChanges) {
        for (user, changes) in batch.users {
            var lists = users.removeValue(forKey: user) ?? [:]
            count -= lists.count
            if changes.dropped { lists = [:] }
            for (channel, items) in changes.lists { lists[channel] = items.isEmpty ? nil : items }
            count += lists.count
            if !lists.isEmpty { users[user] = lists }
        }
        guard count > capacity else { return }
        // Forget a tenth more than needed, in one pass.
        var excess = count - capacity + capacity / 10
        for user in Array(users.keys) where excess > 0 {
            let dropped = users.removeValue(forKey: user)?.count ?? 0
            count -= dropped
            excess -= dropped
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
