import CSQLite
import Foundation
import Synchronization

/// A value bound to or read from a statement.
public enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case null

    public var integer: Int64? { if case .integer(let v) = self { v } else { nil } }
    public var text: String? { if case .text(let v) = self { v } else { nil } }
}

/// A store that could not do what it was asked; services turn it into UNAVAILABLE.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// One SQLite database (WAL mode) owned by one thread, so no caller ever
/// blocks on disk: callers await, the thread works. Writes that queue up
/// while a commit is in progress are committed together in one transaction
/// (group commit); if one of them fails, the batch is rolled back and run
/// again with a savepoint per write, so one failing write does not undo the
/// others (a write's body must therefore be safe to run twice, which anything
/// that only touches the database is). Every writer resumes only after the
/// commit that made its write durable. This file is the only one that
/// touches SQLite's C API.
public final class SQLiteDatabase: Sendable {
    public enum Synchronous: String, Sendable {
        /// fsync on every commit: durable through a power cut.
        case full = "FULL"
        /// Durable through a process crash (WAL), not a power cut.
        case normal = "NORMAL"
    }

    private struct Job: Sendable {
        let write: Bool
        /// Runs on the database thread; returns whether the body succeeded
        /// and what to do once the transaction is over (committed or not).
        let run: @Sendable (SQLiteConnection) -> (succeeded: Bool, complete: @Sendable (Bool) -> Void)
    }

    private let queue = WorkQueue<Job>()
    private let finished = DispatchSemaphore(value: 0)
    private let checkpointer: Checkpointer
    public let path: String

    /// `schema`: statements run once at opening, before any job (start-up
    /// work); then `opening`, for a reader that loads an index before serving.
    /// `checkpointInterval`: how often the WAL is copied into the database.
    public init(path: String, synchronous: Synchronous = .full, checkpointInterval: Duration = .milliseconds(100),
                schema: [String] = [],
                opening: (SQLiteConnection) throws -> Void = { _ in }) throws {
        self.path = path
        let connection = try SQLiteConnection.open(path, creating: true)
        do {
            try connection.execute("PRAGMA journal_mode=WAL")
            try connection.execute("PRAGMA synchronous=\(synchronous.rawValue)")
            try connection.execute("PRAGMA cache_size=-16384")
            try connection.execute("PRAGMA busy_timeout=5000")
            // Checkpoints run on a connection and thread of their own: done
            // inline (SQLite's default, every 1,000 pages) they held up the
            // commits queued behind them for milliseconds, the tail of every
            // refresh's latency. After a burst the WAL is cut back to 64 MiB.
            try connection.execute("PRAGMA wal_autocheckpoint=0")
            try connection.execute("PRAGMA journal_size_limit=67108864")
            for statement in schema { try connection.execute(statement) }
            try opening(connection)
            checkpointer = try Checkpointer(path: path, interval: checkpointInterval)
        } catch {
            connection.close()
            throw error
        }
        // The thread holds the database until `close`.
        let thread = Thread { [self] in
            nameThisThread("db", after: path)
            serve(connection)
            connection.close()
            finished.signal()
        }
        thread.start()
    }

    /// Runs `body` on the database thread outside any transaction.
    public func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await submit(write: false, body)
    }

    /// Runs `body` inside a transaction; returns once it is committed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await submit(write: true, body)
    }

    /// Checkpoints so far that copied the whole WAL into the database: the
    /// writer starts the WAL over after one, which keeps it bounded.
    public var completedCheckpoints: Int { checkpointer.completed.load(ordering: .relaxed) }

    /// Finishes queued work, then closes the database (the last connection
    /// to close copies what is left of the WAL into it).
    public func close() {
        guard queue.close(beforeWaking: { checkpointer.close() }) else { return }
        finished.wait()
    }

    private func submit<T: Sendable>(write: Bool, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(write: write) { connection in
                let result = Result { try body(connection) }
                let succeeded = if case .success = result { true } else { false }
                return (succeeded, { committed in
                    switch result {
                    case .success(let value) where committed: continuation.resume(returning: value)
                    case .success: continuation.resume(throwing: StoreError("commit failed"))
                    case .failure(let error): continuation.resume(throwing: error)
                    }
                })
            }
            if !queue.submit(job) { continuation.resume(throwing: StoreError("\(path) is closed")) }
        }
    }

    /// Queues a write nobody waits for (`close` still finishes it);
    /// `completion` learns whether it was committed. False once the database is closed.
    @discardableResult
    public func enqueueWrite(_ body: @escaping @Sendable (SQLiteConnection) throws -> Void,
                             completion: @escaping @Sendable (Bool) -> Void = { _ in }) -> Bool {
        queue.submit(Job(write: true) { connection in
            let succeeded = (try? body(connection)) != nil
            return (succeeded, { committed in completion(succeeded && committed) })
        })
    }

    private func serve(_ connection: SQLiteConnection) {
        while true {
            let (jobs, last) = queue.next()
            // Reads ahead of the first write see nothing of this batch: answered now.
            let firstWrite = jobs.firstIndex(where: \.write) ?? jobs.endIndex
            for job in jobs[..<firstWrite] { job.run(connection).complete(true) }
            let rest = jobs[firstWrite...]
            if !rest.isEmpty && !runTogether(rest, connection) { runIsolated(rest, connection) }
            if last { return }
        }
    }

    /// The usual case: one transaction and nothing else. False, with
    /// everything rolled back and nobody answered, when a job fails.
    private func runTogether(_ jobs: ArraySlice<Job>, _ connection: SQLiteConnection) -> Bool {
        guard (try? connection.execute("BEGIN IMMEDIATE")) != nil else { return false }
        var completions: [@Sendable (Bool) -> Void] = []
        completions.reserveCapacity(jobs.count)
        for job in jobs {
            let (succeeded, complete) = job.run(connection)
            guard succeeded else {
                try? connection.execute("ROLLBACK")
                return false
            }
            completions.append(complete)
        }
        let committed = (try? connection.execute("COMMIT")) != nil
        if !committed { try? connection.execute("ROLLBACK") }
        completions.forEach { $0(committed) }
        return true
    }

    /// After a failure: each job in a savepoint of its own, so the one that
    /// fails undoes only its own changes and the others still commit.
    private func runIsolated(_ jobs: ArraySlice<Job>, _ connection: SQLiteConnection) {
        var pending: [@Sendable (Bool) -> Void] = []
        var inTransaction = false
        for job in jobs {
            if job.write {
                if !inTransaction { inTransaction = (try? connection.execute("BEGIN IMMEDIATE")) != nil }
                try? connection.execute("SAVEPOINT job")
                let (succeeded, complete) = job.run(connection)
                pending.append(complete)
                if !succeeded { try? connection.execute("ROLLBACK TO job") }
                try? connection.execute("RELEASE job")
            } else {
                job.run(connection).complete(true)
            }
        }
        let committed = !inTransaction || (try? connection.execute("COMMIT")) != nil
        if !committed { try? connection.execute("ROLLBACK") }
        pending.forEach { $0(committed) }
    }
}

/// Copies the WAL into the database every `interval` on its own connection
/// and thread. PASSIVE: it never waits for the writer, and the writer never
/// waits for it; the writer starts the WAL over once all of it is copied.
private final class Checkpointer: Sendable {
    private let stop = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// Checkpoints that found the whole WAL copied when they ended.
    let completed = Atomic<Int>(0)

    init(path: String, interval: Duration) throws {
        let connection = try SQLiteConnection.open(path, creating: false)
        do {
            // A connection that has not read the database yet does not know it is in WAL mode.
            try connection.execute("PRAGMA journal_mode=WAL")
        } catch {
            connection.close()
            throw error
        }
        let milliseconds = Int(interval.milliseconds)
        // The thread holds the checkpointer until `close`.
        let thread = Thread { [self] in
            nameThisThread("ckpt", after: path)
            while stop.wait(timeout: .now() + .milliseconds(max(milliseconds, 1))) == .timedOut {
                if connection.checkpoint() { completed.add(1, ordering: .relaxed) }
            }
            connection.close()
            finished.signal()
        }
        thread.start()
    }

    func close() {
        stop.signal()
        finished.wait()
    }
}

/// The connection as a job sees it, valid only inside that job. Statements
/// are prepared once per SQL text and reused.
public final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(_ handle: OpaquePointer) {
        self.handle = handle
    }

    /// A connection of its own to the database at `path` (created if asked).
    static func open(_ path: String, creating: Bool) throws -> SQLiteConnection {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (creating ? SQLITE_OPEN_CREATE : 0)
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw StoreError("open \(path): \(message)")
        }
        return SQLiteConnection(handle)
    }

    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs a statement that returns no rows (or ignores them).
    public func execute(_ sql: String, _ bindings: [SQLiteValue] = []) throws {
        _ = try query(sql, bindings)
    }

    /// Copies what it can of the WAL into the database without waiting for
    /// anyone; true when every frame in the WAL (as this checkpoint saw it) is copied.
    func checkpoint() -> Bool {
        var frames: Int32 = 0
        var copied: Int32 = 0
        let status = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &copied)
        return status == SQLITE_OK && frames >= 0 && frames == copied
    }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    public func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let statement = try prepared(sql)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (i, value) in bindings.enumerated() {
            let index = Int32(i + 1)
            let status: Int32
            switch value {
            case .integer(let v): status = sqlite3_bind_int64(statement, index, v)
            case .text(let v): status = sqlite3_bind_text(statement, index, v, -1, CSQLite_transient())
            case .null: status = sqlite3_bind_null(statement, index)
            }
            guard status == SQLITE_OK else { throw error("bind", sql) }
        }
        var rows: [[SQLiteValue]] = []
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW:
                rows.append((0..<sqlite3_column_count(statement)).map { column in
                    switch sqlite3_column_type(statement, column) {
                    case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
                    case SQLITE_NULL: .null
                    default: sqlite3_column_text(statement, column).map { .text(String(cString: $0)) } ?? .null
                    }
                })
            case SQLITE_DONE:
                return rows
            default:
                throw error("step", sql)
            }
        }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        if let statement = statements[sql] { return statement }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw error("prepare", sql) }
        statements[sql] = statement
        return statement
    }

    private func error(_ what: String, _ sql: String) -> StoreError {
        StoreError("\(what) '\(sql)': \(String(cString: sqlite3_errmsg(handle)))")
    }
}
