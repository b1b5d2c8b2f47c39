import Foundation
@testable import Stores
import Synchronization
import TestSupport
import Testing

@Suite("SQLite stores")
struct StoreTests {
    @Test("an event log write that fails part-way (a full disk) is cut off: the groups acknowledged after it read back")
    func failedWriteIsCutOff() async throws {
        let directory = Fixture.temporaryDirectory("fullDisk")
        let full = Atomic<Bool>(false)
        // Half the group reaches the file, then the disk is full.
        let log = try EventLog(directory: directory, segmentBytes: 1 << 20) { handle, bytes in
            guard full.load(ordering: .relaxed) else { return try handle.write(contentsOf: bytes) }
            try handle.write(contentsOf: bytes.prefix(bytes.count / 2))
            throw StoreError("no space left on device")
        }
        try await log.append([Array("one".utf8)])
        full.store(true, ordering: .relaxed)
        await #expect(throws: StoreError.self) { try await log.append([Array("lost".utf8), Array("also lost".utf8)]) }
        full.store(false, ordering: .relaxed)
        try await log.append([Array("two".utf8)])
        #expect(EventLogReader(directory: directory).readNew().map { String(decoding: $0, as: UTF8.self) } == ["one", "two"])
        log.close()
        let reopened = try EventLog(directory: directory)
        try await reopened.append([Array("three".utf8)])
        reopened.close()
        #expect(EventLogReader(directory: directory).readNew().map { String(decoding: $0, as: UTF8.self) } == ["one", "two", "three"])
    }

    @Test("under concurrent appends the log gathers the next group (one fsync for all of them); a lone writer never waits",
          .timeLimit(.minutes(1)))
    func busyGroupsGatherTheNext() async throws {
        let record = [UInt8](repeating: 7, count: 10)
        /// A log whose groups are counted: records of 10 bytes framed with 8, so a group's bytes say how many it holds.
        final class Groups: Sendable {
            let sizes = Mutex<[Int]>([])
            var all: [Int] { sizes.withLock { $0 } }
        }
        func countedLog(_ name: String, gather: Duration) throws -> (EventLog, Groups) {
            let groups = Groups()
            let log = try EventLog(directory: Fixture.temporaryDirectory(name), segmentBytes: 1 << 20, gatherDelay: gather) { handle, bytes in
                groups.sizes.withLock { $0.append(bytes.count / 18) }
                try handle.write(contentsOf: bytes)
            }
            return (log, groups)
        }
        /// `writers` appends, the k-th after k * `spacing`.
        func concurrently(_ log: EventLog, _ writers: Int, spacing: Duration = .zero) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for k in 0..<writers {
                    group.addTask {
                        try await Task.sleep(for: spacing * k)
                        try await log.append([record])
                    }
                }
                try await group.waitForAll()
            }
        }
        // One writer: every group holds one append, so an hour's gather never
        // starts (if it did, the time limit would fail the test).
        let (lone, loneGroups) = try countedLog("gatherLone", gather: .seconds(3600))
        for _ in 0..<5 { try await lone.append([record]) }
        #expect(loneGroups.all == [1, 1, 1, 1, 1])
        lone.close()

        // Sixteen writers at once: the first group takes whoever came first,
        // the next the others (four or more: busy). The writer then waits 5 s
        // (ample on a loaded machine) before its next group: sixteen appends
        // made 5 ms apart meanwhile share it (without the wait, each would be
        // a group of its own). Closing ends the wait that follows at once.
        let (busy, busyGroups) = try countedLog("gatherBusy", gather: .seconds(5))
        defer { busy.close() }
        for _ in 0..<10 where (busyGroups.all.last ?? 0) < EventLog.busyGroup {
            try await concurrently(busy, 16)
        }
        let before = busyGroups.all.count
        try #require(busyGroups.all.last! >= EventLog.busyGroup)
        try await concurrently(busy, 16, spacing: .milliseconds(5))
        #expect(Array(busyGroups.all.dropFirst(before)) == [16])
    }

    @Test("the stores' threads carry names top -H and perf can show, cut to the 15 bytes Linux keeps")
    func storeThreadsAreNamed() async throws {
        let directory = Fixture.temporaryDirectory("named") + "/RecoCenterHistory.log"
        let log = try EventLog(directory: directory)
        defer { log.close() }
        try await log.append([Array("one".utf8)])  // the writer thread has named itself by now
        #expect(try Fixture.threadNames().contains("log RecoCenterH"))
    }

    @Test("a watched event log directory wakes its waiter on a write; the notice stays queued until taken",
          .timeLimit(.minutes(1)))
    func directoryWatchWakesOnWrite() async throws {
        let directory = Fixture.temporaryDirectory("watched")
        let watch = try #require(DirectoryWatch(directory: directory))
        let log = try EventLog(directory: directory)
        try await log.append([Array("one".utf8)])
        // Written before the wait began: still returns (without the notice
        // it would wait the full hour and the time limit fails the test).
        await watch.change(within: .seconds(3600))
        async let woken: Void = watch.change(within: .seconds(3600))
        try await log.append([Array("two".utf8)])
        await woken
        log.close()
        #expect(DirectoryWatch(directory: directory + "/missing") == nil, "nothing to watch: the reader polls")
    }

    @Test("history pages back batch by batch and survives reopening, on disk and through the in-memory index", arguments: [false, true])
    func historyPagesBack(cached: Bool) async throws {
        let path = Fixture.temporaryDirectory("history") + "/h.sqlite"
        let durable = try SQLiteHistoryStore(path: path)
        let store: any HistoryStore = cached ? CachedHistoryStore(backing: durable) : durable
        try await Self.expectHistoryContract(store)
        // Written after the user's history was loaded: seen in memory and on disk.
        try await store.append(user: "7", channel: 0, time: 300, items: [11])
        #expect(try await store.batch(user: "7", channel: 0, atOrBefore: 1000) == HistoryBatch(time: 300, items: [11], previousTime: 200))
        durable.close()
        let reopened = try SQLiteHistoryStore(path: path)
        #expect(try await reopened.newestTime(user: "7", channel: 0) == 300)
        #expect(try await reopened.purge(recordedBefore: Int64(Date().timeIntervalSince1970) + 10) == 5)
        #expect(try await reopened.newestTime(user: "7", channel: 0) == nil)
        reopened.close()
    }

    /// What every HistoryStore must do (the SQLite and Redis stores share it):
    /// pages back batch by batch, and one read returns what a refresh needs.
    static func expectHistoryContract(_ store: any HistoryStore) async throws {
        #expect(try await store.newestTime(user: "7", channel: 0) == nil)
        try await store.append(user: "7", channel: 0, time: 100, items: [1, 2])
        try await store.append(user: "7", channel: 0, time: 200, items: [3, 4])
        try await store.append(user: "7", channel: 2, time: 150, items: [9])
        try await store.append(user: "8", channel: 0, time: 300, items: [5])
        #expect(try await store.newestTime(user: "7", channel: 0) == 200)
        #expect(try await store.batch(user: "7", channel: 0, atOrBefore: 250) == HistoryBatch(time: 200, items: [3, 4], previousTime: 100))
        #expect(try await store.batch(user: "7", channel: 0, atOrBefore: 199) == HistoryBatch(time: 100, items: [1, 2], previousTime: 0))
        #expect(try await store.batch(user: "7", channel: 0, atOrBefore: 99) == nil)
        #expect(try await store.shownItems(user: "7", channels: [2, 0]) == [1, 2, 3, 4, 9])
        let view = try await store.view(user: "7", channel: 2)
        #expect(view.newest == 150 && view.shown == [1, 2, 3, 4, 9])
        #expect(view.wasShown(9) && view.wasShown(1) && !view.wasShown(5))
    }

    @Test("concurrent writes are grouped and all land; a failing write undoes only itself")
    func groupCommitIsolatesFailures() async throws {
        let database = try SQLiteDatabase(path: Fixture.temporaryDirectory("group") + "/g.sqlite")
        try await database.write { try $0.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)") }
        let failures = try await withThrowingTaskGroup(of: Bool.self) { group in
            for k in 0..<300 {
                group.addTask {
                    do {
                        try await database.write { c in
                            try c.execute("INSERT INTO t (k) VALUES (?)", [.integer(Int64(k))])
                            if k % 10 == 0 { throw StoreError("job \(k) fails after its insert") }
                        }
                        return false
                    } catch { return true }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 30)
        let keys = try await database.read { try $0.query("SELECT k FROM t ORDER BY k").compactMap { $0[0].integer } }
        #expect(keys == (0..<300).filter { $0 % 10 != 0 }.map(Int64.init))
        database.close()
        await #expect(throws: StoreError.self) { try await database.read { _ in 1 } }
    }

    @Test("the wait list pops from the front and is replaced by a newer ranking")
    func waitListPopsAndReplaces() async throws {
        let list = try SQLiteWaitList(path: Fixture.temporaryDirectory("wait") + "/w.sqlite")
        try await list.replace(user: "1", channel: 3, items: [10, 11, 12, 13, 14])
        #expect(try await list.take(user: "1", channel: 3, count: 2) == [10, 11])
        #expect(try await list.take(user: "1", channel: 0, count: 2) == [])
        try await list.replace(user: "1", channel: 3, items: [20, 21])
        #expect(try await list.take(user: "1", channel: 3, count: 5) == [20, 21])
        #expect(try await list.take(user: "1", channel: 3, count: 5) == [])
        list.close()
    }

    @Test("the wait list's row index follows puts, takes, invalidations and reopening, and past its capacity still serves every row",
          arguments: [2_000_000, 1])
    func waitListIndexFollowsRows(capacity: Int) async throws {
        let path = Fixture.temporaryDirectory("wait-index") + "/w.sqlite"
        var list = try SQLiteWaitList(path: path, indexCapacity: capacity)
        for channel in Int32(1)...3 { try await list.replace(user: "7", channel: channel, items: [Int64(channel) * 10, Int64(channel) * 10 + 1]) }
        try await list.replace(user: "8", channel: 1, items: [80])
        #expect(try await list.take(user: "7", channel: 1, count: 2) == [10, 11])
        #expect(try await list.take(user: "7", channel: 1, count: 2) == [])
        try await list.removeAll(user: "8")
        #expect(try await list.take(user: "8", channel: 1, count: 1) == [])
        list.close()
        // Reopened: the index is rebuilt from the rows that are left.
        list = try SQLiteWaitList(path: path, indexCapacity: capacity)
        #expect(try await list.take(user: "7", channel: 2, count: 5) == [20, 21])
        #expect(try await list.take(user: "7", channel: 3, count: 1) == [30])
        try await list.replace(user: "7", channel: 1, items: [12])
        #expect(try await list.take(user: "7", channel: 1, count: 5) == [12])
        #expect(try await list.take(user: "7", channel: 3, count: 5) == [31])
        list.close()
    }

    @Test("the wait list writes behind: the database has a change after the next flush, a list put and taken before it never, and what is pending on close")
    func waitListWritesBehind() async throws {
        let path = Fixture.temporaryDirectory("wait-behind") + "/w.sqlite"
        let list = try SQLiteWaitList(path: path, flushInterval: .seconds(3600))
        let reader = try SQLiteDatabase(path: path, synchronous: .normal)
        func rows() async throws -> [String: String] {
            try await reader.read { c in
                var rows: [String: String] = [:]
                for row in try c.query("SELECT user, channel, items FROM wait_list") { rows["\(row[0].text!)/\(row[1].integer!)"] = row[2].text }
                return rows
            }
        }
        try await list.replace(user: "1", channel: 1, items: [10, 11])
        #expect(try await list.take(user: "1", channel: 1, count: 5) == [10, 11])
        try await list.replace(user: "1", channel: 2, items: [20, 21, 22])
        #expect(try await rows().isEmpty)
        try await list.flush()
        #expect(try await rows() == ["1/2": "20,21,22"])
        // Taken in memory, then a crash before the next flush: the row is
        // as last written (RecoCenter drops served items against history).
        #expect(try await list.take(user: "1", channel: 2, count: 1) == [20])
        try await list.replace(user: "2", channel: 0, items: [5])
        try await list.removeAll(user: "1")
        #expect(try await rows() == ["1/2": "20,21,22"])
        #expect(try await list.take(user: "1", channel: 2, count: 1) == [])
        list.close()
        #expect(try await rows() == ["2/0": "5"])
        reader.close()
        // Reopened, a take reads the row the database has.
        let reopened = try SQLiteWaitList(path: path)
        #expect(try await reopened.take(user: "2", channel: 0, count: 3) == [5])
        #expect(try await reopened.take(user: "2", channel: 0, count: 3) == [])
        reopened.close()
    }

    @Test("a batch is durable in the log before it is merged: a store opened after a crash reads it, and a merge moves it into the history and drops the log's segments")
    func historyLogSurvivesACrash() async throws {
        let path = Fixture.temporaryDirectory("history-log") + "/h.sqlite"
        let logDirectory = SQLiteHistoryStore.logDirectory(path)
        let crashed = try SQLiteHistoryStore(path: path, mergeInterval: .seconds(3600))
        try await crashed.append(user: "7", channel: 0, time: 100, items: [1, 2])
        try await crashed.append(user: "7", channel: 0, time: 200, items: [3])
        try await crashed.append(user: "7", channel: 0, time: 200, items: [4])
        func historyRows() async throws -> Int64? {
            let database = try SQLiteDatabase(path: path)
            defer { database.close() }
            return try await database.read { try $0.query("SELECT COUNT(*) FROM history").first?.first?.integer }
        }
        func logged() -> [HistoryLogRecord] {
            EventLogReader(directory: logDirectory, position: EventLog.oldestPosition(in: logDirectory)).readNew().compactMap(HistoryLogRecord.init)
        }
        #expect(try await historyRows() == 0)
        #expect(logged().map(\.items) == [[1, 2], [3], [4]])
        // A second store on the same files while the first is open is refused.
        #expect(throws: StoreError.self) { try SQLiteHistoryStore(path: path) }
        crashed.abandon()
        // The same files opened again, as after a crash: the logged batches
        // are there (the later of two at the same time wins), and merge.
        let restarted = try SQLiteHistoryStore(path: path, mergeInterval: .seconds(3600))
        #expect(try await restarted.batch(user: "7", channel: 0, atOrBefore: 250) == HistoryBatch(time: 200, items: [4], previousTime: 100))
        try await restarted.append(user: "7", channel: 0, time: 300, items: [5])
        try await restarted.merge()
        #expect(try await historyRows() == 3)
        // The merge began a new segment and dropped the merged ones once their
        // rows were in (the log serves requests in order: a rotation after the
        // removal finds it done; with the new segment still empty it begins none).
        _ = try await restarted.log.rotate()
        #expect(logged().isEmpty && EventLog.segmentFiles(in: logDirectory).count == 1)
        #expect(try await restarted.batch(user: "7", channel: 0, atOrBefore: 250) == HistoryBatch(time: 200, items: [4], previousTime: 100))
        // Logged after the merge: in the new segment, and read back after another crash.
        try await restarted.append(user: "7", channel: 0, time: 400, items: [6])
        #expect(logged().map(\.items) == [[6]])
        restarted.abandon()
        let again = try SQLiteHistoryStore(path: path, mergeInterval: .seconds(3600))
        #expect(try await again.shownItems(user: "7", channels: [0]) == [1, 2, 4, 5, 6])
        again.close()
        let reopened = try SQLiteHistoryStore(path: path)
        #expect(try await reopened.shownItems(user: "7", channels: [0]) == [1, 2, 4, 5, 6])
        reopened.close()
    }

    @Test("one operation at a time per key, the next when it ends; another key goes ahead meanwhile", .timeLimit(.minutes(1)))
    func keyedSerializerRunsOneAtATime() async throws {
        let serializer = KeyedSerializer()
        final class Steps: Sendable { let list = Mutex<[String]>([]) }
        let steps = Steps()
        @Sendable func step(_ name: String) { steps.list.withLock { $0.append(name) } }
        let (gate, open) = AsyncStream<Void>.makeStream()
        async let first: Void = serializer.run("u") {
            step("a begins")
            for await _ in gate { break }
            step("a ends")
        }
        while !steps.list.withLock({ $0.contains("a begins") }) { try await Task.sleep(for: .milliseconds(1)) }
        async let second: Void = serializer.run("u") { step("b") }
        await serializer.run("v") { step("c") }
        #expect(steps.list.withLock { $0 } == ["a begins", "c"], "b waits for a; c, another key, does not")
        open.yield()
        await first
        await second
        #expect(steps.list.withLock { $0 } == ["a begins", "c", "a ends", "b"])
    }

    @Test("level 1 pops in rank order, puts a refill in front, drops one user's channels at once, and stays within its capacity")
    func levelOneKeepsListsByUser() {
        var level = LevelOne(capacity: 3)
        level.prepend([3, 4, 5], "u", 1)
        level.prepend([1, 2], "u", 1)
        #expect(level.pop("u", 1, 2) == [1, 2])
        #expect(level.pop("u", 1, 0) == [] && level.pop("u", 2, 5) == [] && level.pop("x", 1, 5) == [])
        #expect(level.pop("u", 1, 10) == [3, 4, 5])
        #expect(level.count == 0 && level.users.isEmpty, "an emptied list is dropped")
        level.prepend([7], "u", 1)
        level.prepend([8], "u", 2)
        level.prepend([9], "v", 1)
        level.remove("u")
        #expect(level.count == 1 && level.users.keys.sorted() == ["v"], "every channel of the user in one removal")
        // Full: a new list makes room by dropping another user's lists.
        level.prepend([1], "w", 1)
        level.prepend([2], "w", 2)
        level.prepend([3], "z", 1)
        #expect(level.count <= 3 && level.pop("z", 1, 1) == [3])
        #expect(level.users["v"] == nil || level.users["w"] == nil)
        level.remove("w", 2)
        level.remove("w", 2)
        #expect(level.count == level.users.values.reduce(0) { $0 + $1.count })
    }

    @Test("a take answered from memory serves what the store would; one memory cannot answer takes nothing")
    func takeNowServesFromMemoryOnly() async throws {
        let path = Fixture.temporaryDirectory("takeNow") + "/w.sqlite"
        let waitList = try SQLiteWaitList(path: path)
        let cache = TieredFeedCache(waitList: waitList)
        #expect(cache.putNow(user: "u", channel: 1, items: Array(1...250)))
        #expect(cache.takeNow(user: "u", channel: 1, count: 10) == Array(1...10), "refilled from the wait list memory holds")
        #expect(cache.takeNow(user: "u", channel: 1, count: 10) == Array(11...20), "then from level 1")
        #expect(cache.takeNow(user: "never", channel: 1, count: 10) == [], "no row anywhere: answered at once")
        waitList.close()
        // After a restart only the database holds the list: not answered now, and nothing taken.
        let reopened = TieredFeedCache(waitList: try SQLiteWaitList(path: path))
        #expect(reopened.takeNow(user: "u", channel: 1, count: 10) == nil)
        #expect(try await reopened.take(user: "u", channel: 1, count: 10) == Array(101...110))
        #expect(reopened.takeNow(user: "u", channel: 1, count: 10) == Array(111...120))
    }

    @Test("history kept in the log table of earlier versions is moved into the history once, and the old files go")
    func legacyHistoryLogIsMerged() async throws {
        let path = Fixture.temporaryDirectory("history-legacy") + "/h.sqlite"
        let legacyPath = SQLiteHistoryStore.legacyLogPath(path)
        // The log table as earlier versions wrote it, with two batches never merged.
        let legacy = try SQLiteDatabase(path: legacyPath, schema: [
            "CREATE TABLE log (id INTEGER PRIMARY KEY, user TEXT NOT NULL, channel INTEGER NOT NULL, time INTEGER NOT NULL, items TEXT NOT NULL, recorded INTEGER NOT NULL)",
        ])
        try await legacy.write { c in
            try c.execute("INSERT INTO log (user, channel, time, items, recorded) VALUES ('7', 3, 100, '1,2', 0), ('7', 3, 200, '3', 0)")
        }
        legacy.close()
        let store = try SQLiteHistoryStore(path: path)
        #expect(try await store.batch(user: "7", channel: 3, atOrBefore: 1000) == HistoryBatch(time: 200, items: [3], previousTime: 100))
        #expect(!FileManager.default.fileExists(atPath: legacyPath))
        store.close()
        let reopened = try SQLiteHistoryStore(path: path)
        #expect(try await reopened.shownItems(user: "7", channels: [3]) == [1, 2, 3])
        reopened.close()
    }

    @Test("history log records read back exactly; truncated, extended or foreign bytes are not records", .ownThread)
    func historyLogRecordsRoundTrip() {
        let records = [
            HistoryLogRecord(user: "7", channel: 0, time: 1_700_000_000_000, recorded: 1_700_000_000, items: [1, 2, 3]),
            HistoryLogRecord(user: "ünï-😀", channel: Int32.min, time: Int64.min, recorded: -1, items: [Int64.min, 0, Int64.max]),
            HistoryLogRecord(user: "", channel: Int32.max, time: Int64.max, recorded: 0, items: []),
        ]
        for record in records {
            let bytes = record.bytes
            #expect(HistoryLogRecord(bytes) == record)
            for length in 0..<bytes.count { #expect(HistoryLogRecord(Array(bytes.prefix(length))) == nil) }
            #expect(HistoryLogRecord(bytes + [0]) == nil)
            var otherFormat = bytes
            otherFormat[0] = 2
            #expect(HistoryLogRecord(otherFormat) == nil)
        }
        // A user that is not UTF-8, and an item count far past the bytes there are.
        var invalidUser = records[0].bytes
        invalidUser[25] = 0xFF
        #expect(HistoryLogRecord(invalidUser) == nil)
        var hugeCount = records[2].bytes
        for i in (hugeCount.count - 4)..<hugeCount.count { hugeCount[i] = 0xFF }
        #expect(HistoryLogRecord(hugeCount) == nil)
    }

    @Test("stored item lists read back exactly, and text that is not a number is skipped")
    func itemTextRoundTrips() async throws {
        let path = Fixture.temporaryDirectory("items") + "/h.sqlite"
        let history = try SQLiteHistoryStore(path: path)
        let items: [Int64] = [0, 7, 1682, -3, Int64.max, 1_000_000_007]
        try await history.append(user: "u", channel: 1, time: 5, items: items)
        #expect(try await history.batch(user: "u", channel: 1, atOrBefore: 5)?.items == items)
        history.close()
        // Rows written by hand (or by an older version) with stray text.
        let database = try SQLiteDatabase(path: path)
        try await database.write { try $0.execute("UPDATE history SET items = '4,x,,5,-,6-,12'") }
        database.close()
        let reopened = try SQLiteHistoryStore(path: path)
        #expect(try await reopened.batch(user: "u", channel: 1, atOrBefore: 5)?.items == [4, 5, 12])
        reopened.close()
    }

    @Test("checkpoints run beside the writer: the database file takes the WAL's pages while it is open and the WAL stays bounded")
    func checkpointsRunBesideTheWriter() async throws {
        let path = Fixture.temporaryDirectory("checkpoint") + "/c.sqlite"
        let database = try SQLiteDatabase(path: path, synchronous: .normal, checkpointInterval: .milliseconds(10),
                                          schema: ["CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"])
        func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0 }
        let initial = size(path)
        let row = String(repeating: "x", count: 3000)  // about a page per row
        var largestWAL = 0
        for round in 0..<5 {
            for k in 0..<200 {
                try await database.write { try $0.execute("INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)", [.integer(Int64(k)), .text(row + "\(round)")]) }
            }
            largestWAL = max(largestWAL, size(path + "-wal"))
            // Wait (a condition, not a delay) until the checkpointer has copied
            // the whole round into the database: the second complete checkpoint
            // from now began after the round's last commit, so the next round's
            // first write starts the WAL over.
            let seen = database.completedCheckpoints
            let end = ContinuousClock.now + safetyTimeout
            while database.completedCheckpoints < seen + 2 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
            try #require(database.completedCheckpoints >= seen + 2, "no complete checkpoint after round \(round)")
        }
        #expect(size(path) > initial)
        // The first round fills ~600 frames (4,120 bytes each), every later one
        // ~200 more: started over after each round the WAL never outgrows the
        // first; without checkpoints it would hold all ~1,400.
        #expect(largestWAL < 1_000 * 4_120, "WAL grew to \(largestWAL) bytes")
        let count = try await database.read { try $0.query("SELECT COUNT(*) FROM t").first?.first?.integer }
        #expect(count == 200)
        database.close()
    }
}
